// The table of each instruction-set level, built on first use and only for levels the CPU has (installing
// a level runs code compiled for it).
#include "train_kernels.h"

#include <stdexcept>
#include <string>

namespace ck::kernels::train {
namespace {

TrainKernels build_table(IsaLevel level) {
  TrainKernels table{};
  scalar::install_train(table);
  if (level >= IsaLevel::avx2) avx2::install_train(table);
  if (level >= IsaLevel::avx512) avx512::install_train(table);
  return table;
}

}  // namespace

const TrainKernels& train_kernels(IsaLevel level) {
  static const IsaLevel best = best_isa_level(detect_cpu_features());
  if (level > best)
    throw std::invalid_argument("instruction-set level " + std::string(isa_level_name(level)) +
                                " is beyond this CPU");
  switch (level) {
    case IsaLevel::scalar: {
      static const TrainKernels table = build_table(IsaLevel::scalar);
      return table;
    }
    case IsaLevel::avx2: {
      static const TrainKernels table = build_table(IsaLevel::avx2);
      return table;
    }
    case IsaLevel::avx512:
    case IsaLevel::avx512vnni:  // nothing here needs VNNI
      break;
  }
  static const TrainKernels table = build_table(IsaLevel::avx512);
  return table;
}

const TrainKernels& train_kernels() {
  static const TrainKernels& table = train_kernels(active_isa_level());
  return table;
}

}  // namespace ck::kernels::train
