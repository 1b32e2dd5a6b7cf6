// libFuzzer target for the Parquet footer (see FooterInput in parquet_fuzz_common.h): the input is
// a serialized FileMetaData, read as a whole file (schema walk, row group checks, and page headers
// at whatever offsets the footer names). Built by tests/operators/fuzz/run_fuzz.sh (target
// parquet_footer_fuzz); seeds are the footers of tests/data/parquet/*.parquet.
#include <cstddef>
#include <cstdint>

#include "tests/runtime/fuzz/parquet_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rankflow::fuzz::FooterInput(data, size);
  return 0;
}
