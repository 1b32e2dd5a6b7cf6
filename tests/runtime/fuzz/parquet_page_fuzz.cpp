// libFuzzer target for the Parquet page path. The first input byte picks the mode:
//   < 0x80: the rest is a whole file, read in full (seeds: tests/data/parquet/*.parquet, so most
//           mutations land in page headers, levels, dictionaries and values);
//   else:   the decoders straight: byte 1 = encoding, byte 2 = physical type, byte 3 = value count,
//           the rest = page bytes, decoded against a 4-entry dictionary; then the same bytes as
//           levels (max level from byte 1) and through every codec (uncompressed size 16 * byte 3).
// Built by tests/operators/fuzz/run_fuzz.sh (target parquet_page_fuzz).
#include <cstdint>
#include <string>

#include "runtime/parquet/decoders.h"
#include "runtime/parquet/decompress.h"
#include "tests/runtime/fuzz/parquet_fuzz_common.h"

namespace {

void Decoders(const uint8_t* data, size_t size) {
  if (size < 4) return;
  using rankflow::pq::PhysicalType;
  const int encoding = data[1] % 10;
  const auto type = static_cast<PhysicalType>(data[2] % 8);
  const size_t n = data[3];
  const uint8_t* page = data + 4;
  const size_t page_size = size - 4;
  rankflow::pq::Values dict;
  dict.ints = {1, 2, 3, 4};
  dict.doubles = {1.5, 2.5, 3.5, 4.5};
  dict.strings = {"a", "bb", "", "dddd"};
  std::string scratch;
  rankflow::pq::DecodeArgs args;
  args.type = type;
  args.type_length = 1 + data[2] / 8 % 16;
  args.dictionary = &dict;
  args.scratch = &scratch;
  args.max_scratch_bytes = 1 << 20;
  rankflow::pq::Values out;
  if (rankflow::pq::DecodeValues(encoding, args, page, page_size, n, &out).ok() &&
      out.size(type) != n) {
    rankflow::fuzz::Finding("a decoder said ok with a wrong number of values");
  }
  int16_t levels[256];
  (void)rankflow::pq::DecodeLevels(page, page_size, data[1] % 40, n, levels);
  std::string inflated;
  for (int codec = 0; codec < 8; ++codec) {
    if (rankflow::pq::Decompress(codec, page, page_size, n * 16, &inflated).ok() &&
        inflated.size() != n * 16) {
      rankflow::fuzz::Finding("a codec said ok with a wrong size");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] < 0x80) {
    rankflow::fuzz::ReadWholeFile(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    Decoders(data, size);
  }
  return 0;
}
