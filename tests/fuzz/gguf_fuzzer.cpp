// libFuzzer target: GgufFile::parse on arbitrary bytes. A file is either refused with a GgufError or
// accepted; then every metadata value, typed accessor and tensor byte is touched (ASan checks each read
// stays inside the input), and the file is written again with GgufWriter, which must give a file that
// parses to the same contents.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/gguf_writer.h"

namespace {

using ck::GgufArray;
using ck::GgufError;
using ck::GgufFile;
using ck::GgufValue;
using ck::GgufValueType;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "gguf_fuzzer: %s\n", what);
    std::abort();
  }
}

// Folds a value into `h`, reading every byte it refers to.
void touch(const GgufValue& v, uint64_t& h) {
  h = h * 31 + static_cast<uint32_t>(v.type);
  if (const auto* u = std::get_if<uint64_t>(&v.data)) h ^= *u;
  if (const auto* i = std::get_if<int64_t>(&v.data)) h ^= static_cast<uint64_t>(*i);
  if (const auto* d = std::get_if<double>(&v.data)) h ^= static_cast<uint64_t>(*d == *d);
  if (const auto* b = std::get_if<bool>(&v.data)) h ^= *b;
  if (const auto* s = std::get_if<std::string_view>(&v.data))
    for (char c : *s) h = h * 131 + static_cast<unsigned char>(c);
  if (const auto* a = std::get_if<std::shared_ptr<const GgufArray>>(&v.data)) {
    check(*a != nullptr, "null array");
    for (const GgufValue& item : (*a)->items) {
      check(item.type == (*a)->element_type, "array element of another type");
      touch(item, h);
    }
  }
}

// Calls an accessor, which may refuse the key's type with a GgufError and must not fail otherwise.
template <class F>
void try_accessor(F&& f) {
  try {
    f();
  } catch (const GgufError&) {
  }
}

bool same_value(const GgufValue& a, const GgufValue& b) {
  if (a.type != b.type || a.data.index() != b.data.index()) return false;
  if (const auto* x = std::get_if<std::shared_ptr<const GgufArray>>(&a.data)) {
    const GgufArray& y = *std::get<std::shared_ptr<const GgufArray>>(b.data);
    if ((*x)->element_type != y.element_type || (*x)->items.size() != y.items.size()) return false;
    for (size_t i = 0; i < y.items.size(); ++i)
      if (!same_value((*x)->items[i], y.items[i])) return false;
    return true;
  }
  if (const auto* d = std::get_if<double>(&a.data)) {
    const double e = std::get<double>(b.data);
    return *d == e || (*d != *d && e != e);
  }
  return a.data == b.data;
}

// Writes the accepted file again; the copy must parse to the same metadata and tensors.
void rewrite(const GgufFile& f) {
  ck::GgufWriter w(f.version());
  try {
    for (const auto& [key, value] : f.metadata()) w.set(key, ck::GgufWriteValue::copy_of(value));
    for (const ck::GgufTensorInfo& t : f.tensors())
      w.add_tensor(std::string(t.name), t.ne, t.type, std::span(t.data, t.n_bytes));
  } catch (const ck::GgufWriterError&) {
    return;  // something the reader accepts but the writer will not make (an empty key, a long name)
  }
  const std::vector<std::byte> bytes = w.to_bytes();
  const std::unique_ptr<GgufFile> g = GgufFile::parse(bytes, "rewritten");
  check(g->alignment() == f.alignment(), "alignment changed");
  check(g->metadata().size() == f.metadata().size(), "metadata count changed");
  for (size_t i = 0; i < f.metadata().size(); ++i) {
    check(g->metadata()[i].first == f.metadata()[i].first, "key changed");
    check(same_value(g->metadata()[i].second, f.metadata()[i].second), "value changed");
  }
  check(g->tensors().size() == f.tensors().size(), "tensor count changed");
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const ck::GgufTensorInfo &a = f.tensors()[i], &b = g->tensors()[i];
    check(a.name == b.name && a.ne == b.ne && a.type == b.type && a.n_bytes == b.n_bytes, "tensor changed");
    check(std::equal(a.data, a.data + a.n_bytes, b.data), "tensor data changed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  std::unique_ptr<GgufFile> f;
  try {
    f = GgufFile::parse(bytes, "fuzz.gguf");
  } catch (const GgufError& e) {
    check(std::string_view(e.what()).starts_with("fuzz.gguf: "), "message without the file name");
    return 0;
  }

  uint64_t h = 0;
  check(f->version() == 2 || f->version() == 3, "version");
  check(f->alignment() != 0 && (f->alignment() & (f->alignment() - 1)) == 0, "alignment");
  for (const auto& kv : f->metadata()) {
    const std::string_view key = kv.first;  // (clang 14 cannot capture structured bindings)
    touch(kv.second, h);
    check(f->find(key) != nullptr, "key not found");
    try_accessor([&] { h += f->get_uint(key).value_or(0); });
    try_accessor([&] { h += static_cast<uint64_t>(f->get_int(key).value_or(0)); });
    try_accessor([&] { h += f->get_float(key).value_or(0) > 0; });
    try_accessor([&] { h += f->get_bool(key).value_or(false); });
    try_accessor([&] { h += f->get_string(key).value_or("").size(); });
    try_accessor([&] { h += f->get_array(key) != nullptr; });
    try_accessor([&] { h += f->get_string_array(key).size(); });
    try_accessor([&] { h += f->get_float_array(key).size(); });
    try_accessor([&] { h += f->get_int_array(key).size(); });
    try_accessor([&] { h += f->require_uint(key); });
    try_accessor([&] { h += f->require_string(key).size(); });
  }
  for (const ck::GgufTensorInfo& t : f->tensors()) {
    check(f->find_tensor(t.name) != nullptr, "tensor not found");
    check(t.ne.size() >= 1 && t.ne.size() <= 4 && t.n_elements() > 0, "shape");
    check(t.n_bytes == ck::kernels::row_bytes(t.type, t.n_elements()), "size");
    check(t.data >= bytes.data() && t.n_bytes <= size && t.data + t.n_bytes <= bytes.data() + size, "bounds");
    for (size_t i = 0; i < t.n_bytes; ++i) h += static_cast<uint8_t>(t.data[i]);
    h += ck::kernels::type_name(t.type).size();
  }
  rewrite(*f);
  volatile uint64_t sink = h;
  (void)sink;
  return 0;
}
