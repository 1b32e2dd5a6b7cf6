// libFuzzer target for the Parquet footer: the input is a serialized FileMetaData, wrapped as
// PAR1 <input> <length> PAR1 and read as a whole file (schema walk, row group checks, and page
// headers at whatever offsets the footer names). Built by tests/operators/fuzz/run_fuzz.sh
// (target parquet_footer_fuzz); seeds are the footers of tests/data/parquet/*.parquet.
#include <cstdint>
#include <string>

#include "tests/runtime/fuzz/parquet_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file = "PAR1";
  file.append(reinterpret_cast<const char*>(data), size);
  const uint32_t n = static_cast<uint32_t>(size);
  file.append(reinterpret_cast<const char*>(&n), 4);
  file += "PAR1";
  rankflow::fuzz::ReadWholeFile(std::move(file));
  return 0;
}
