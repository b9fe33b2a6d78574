// Shared by the fuzz targets: the libFuzzer entry point each one defines, and the check
// that turns a broken property into a crash the fuzzer reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "base/bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace lovebank::fuzz {

inline ByteView View(const std::uint8_t* data, std::size_t size) {
  return ByteView(reinterpret_cast<const char*>(data), size);
}

// A property every input must keep; a violation aborts, which libFuzzer (and the
// corpus replay in CTest) reports as a crash with the input saved.
inline void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
  }
}

}  // namespace lovebank::fuzz
