// Models the package ships are loaded by name: `ckctl load alice default` loads
// <models-dir>/default.gguf, models-dir being ckd's setting (the package's /usr/share/ckernel/models by
// default). A model path without '/' and without the .gguf ending is such a name (a bare "model.gguf" is
// a relative file name, which ckd refuses): ckctl sends it as it is (unless a file of that name is in its
// working directory), and ckd resolves it. Header-only, because ckctl links no ckd code.
#pragma once

#include <string_view>

namespace ck::api {

inline constexpr std::string_view kShippedModelSuffix = ".gguf";

inline bool is_shipped_model_name(std::string_view path) {
  return !path.empty() && path.find('/') == std::string_view::npos && !path.ends_with(kShippedModelSuffix);
}

}  // namespace ck::api
