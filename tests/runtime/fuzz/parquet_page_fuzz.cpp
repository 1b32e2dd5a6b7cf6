// libFuzzer target for the Parquet page path (see PageInput in parquet_fuzz_common.h): whole files
// (seeds: tests/data/parquet/*.parquet behind a 0x00 byte, so most mutations land in page headers,
// levels, dictionaries and values) and the decoders and codecs straight. Built by
// tests/operators/fuzz/run_fuzz.sh (target parquet_page_fuzz).
#include <cstddef>
#include <cstdint>

#include "tests/runtime/fuzz/parquet_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rankflow::fuzz::PageInput(data, size);
  return 0;
}
