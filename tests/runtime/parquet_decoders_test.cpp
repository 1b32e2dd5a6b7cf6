// The Parquet reader's decoders against byte sequences built by hand from Encodings.md (the
// examples there, with block sizes made legal), and the page codecs against their libraries.
#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <cstring>
#include <limits>

#include "runtime/parquet/bits.h"
#include "runtime/parquet/decoders.h"
#include "runtime/parquet/decompress.h"
#include "tests/util/test_util.h"

namespace rankflow::pq {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

Status Decode(Encoding e, PhysicalType t, const Bytes& b, size_t n, Values* out,
              const Values* dict = nullptr, std::string* scratch = nullptr, int type_length = 0) {
  DecodeArgs a;
  a.type = t;
  a.type_length = type_length;
  a.dictionary = dict;
  a.scratch = scratch;
  return DecodeValues(static_cast<int>(e), a, b.data(), b.size(), n, out);
}

TEST(ParquetBitsTest, Uleb128AndZigZag) {
  const Bytes b = {0xE5, 0x8E, 0x26};  // 624485
  const uint8_t* p = b.data();
  uint64_t v = 0;
  ASSERT_TRUE(ReadUleb128(&p, b.data() + b.size(), &v));
  EXPECT_EQ(v, 624485u);
  EXPECT_EQ(p, b.data() + 3);
  const Bytes cut = {0x80};
  p = cut.data();
  EXPECT_FALSE(ReadUleb128(&p, cut.data() + 1, &v));
  EXPECT_EQ(p, cut.data());
  const Bytes too_long(11, 0x80);
  p = too_long.data();
  EXPECT_FALSE(ReadUleb128(&p, too_long.data() + too_long.size(), &v));
  std::string enc;
  AppendUleb128(&enc, std::numeric_limits<uint64_t>::max());
  p = reinterpret_cast<const uint8_t*>(enc.data());
  ASSERT_TRUE(ReadUleb128(&p, p + enc.size(), &v));
  EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(ZigZagDecode(0), 0);
  EXPECT_EQ(ZigZagDecode(1), -1);
  EXPECT_EQ(ZigZagDecode(2), 1);
  EXPECT_EQ(ZigZagDecode(3), -2);
  for (int64_t x : {std::numeric_limits<int64_t>::min(), int64_t{-5}, int64_t{0},
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ZigZagDecode(ZigZagEncode(x)), x);
  }
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(7), 3);
  EXPECT_EQ(BitWidth(8), 4);
}

TEST(ParquetBitsTest, UnpackIsTheSpecExample) {
  const Bytes b = {0x88, 0xC6, 0xFA};  // 0..7 at 3 bits (Encodings.md, RLE section)
  uint32_t out[8];
  UnpackBits(b.data(), b.data() + b.size(), 3, 8, out);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(out[i], i);
}

TEST(ParquetRleTest, BitPackedAndRleRuns) {
  // A bit-packed run of one group (0..7 at 3 bits), then an RLE run of five 4s.
  const Bytes b = {0x03, 0x88, 0xC6, 0xFA, 0x0A, 0x04};
  RleDecoder rle(b.data(), b.size(), 3);
  uint32_t out[20];
  EXPECT_EQ(rle.GetBatch(out, 3), 3u);  // stop inside the packed run and continue from there
  EXPECT_EQ(rle.GetBatch(out + 3, 20), 10u);
  EXPECT_FALSE(rle.error());
  const uint32_t want[] = {0, 1, 2, 3, 4, 5, 6, 7, 4, 4, 4, 4, 4};
  for (int i = 0; i < 13; ++i) EXPECT_EQ(out[i], want[i]) << i;
}

TEST(ParquetRleTest, WidthZeroAndTruncation) {
  const Bytes zero = {0x0A};  // RLE run of 5 at width 0: no value bytes
  RleDecoder r0(zero.data(), zero.size(), 0);
  uint32_t out[8];
  EXPECT_EQ(r0.GetBatch(out, 8), 5u);
  EXPECT_EQ(out[4], 0u);
  const Bytes cut = {0x0A};  // the value byte of a width-3 run is missing
  RleDecoder r1(cut.data(), cut.size(), 3);
  EXPECT_EQ(r1.GetBatch(out, 5), 0u);
  EXPECT_TRUE(r1.error());
  // A bit-packed run claiming 2 groups with only the first group's bytes: 8 values, no crash.
  const Bytes short_run = {0x05, 0x88, 0xC6, 0xFA};
  RleDecoder r2(short_run.data(), short_run.size(), 3);
  EXPECT_EQ(r2.GetBatch(out, 8), 8u);
  EXPECT_EQ(out[7], 7u);
  EXPECT_EQ(r2.GetBatch(out, 8), 0u);
}

TEST(ParquetRleTest, LevelsAreCheckedAgainstTheMax) {
  int16_t levels[8];
  const Bytes ok = {0x08, 0x02};  // four 2s at width 2
  EXPECT_TRUE(DecodeLevels(ok.data(), ok.size(), 2, 4, levels).ok());
  EXPECT_EQ(levels[3], 2);
  const Bytes high = {0x08, 0x03};
  Status s = DecodeLevels(high.data(), high.size(), 2, 4, levels);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("level 3 > max level 2"), std::string::npos) << s.message();
  EXPECT_EQ(DecodeLevels(ok.data(), ok.size(), 2, 5, levels).code(), StatusCode::kCorruption);
}

// Encodings.md example 1 (1..5) with a legal block of 128 values in 4 miniblocks.
TEST(ParquetDeltaTest, ExampleOne) {
  const Bytes b = {0x80, 0x01, 0x04, 0x05, 0x02, /*block*/ 0x02, 0, 0, 0, 0};
  std::vector<int64_t> v;
  size_t used = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(b.data(), b.size(), 100, &v, &used).ok());
  EXPECT_EQ(v, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(used, b.size());
}

Bytes ExampleTwo() {  // 7, 5, 3, 1, 2, 3, 4, 5: min delta -2, relative 0,0,0,3,3,3,3 at 2 bits
  return {0x80,
          0x01,
          0x04,
          0x08,
          0x0E,
          /*min delta*/ 0x03,
          /*widths*/ 2,
          0,
          0,
          0,
          /*32 values at 2 bits*/ 0xC0,
          0x3F,
          0,
          0,
          0,
          0,
          0,
          0};
}

TEST(ParquetDeltaTest, ExampleTwoAndItsTruncations) {
  const Bytes b = ExampleTwo();
  std::vector<int64_t> v;
  size_t used = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(b.data(), b.size(), 8, &v, &used).ok());
  EXPECT_EQ(v, (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_EQ(used, b.size());
  for (size_t cut = 0; cut < 11; ++cut) {  // up to the bytes the 8 values need
    v.clear();
    Status s = DecodeDeltaBinaryPacked(b.data(), cut, 8, &v, &used);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << cut;
  }
  v.clear();
  EXPECT_EQ(DecodeDeltaBinaryPacked(b.data(), b.size(), 7, &v, &used).code(),
            StatusCode::kCorruption);  // more values than the page has
  Bytes bad_block = b;
  bad_block[0] = 100;  // block size not a multiple of 128
  bad_block[1] = 0;
  EXPECT_EQ(DecodeDeltaBinaryPacked(bad_block.data(), bad_block.size(), 8, &v, &used).code(),
            StatusCode::kCorruption);
}

TEST(ParquetDeltaTest, WrapsAroundAndTruncatesInt32) {
  // INT64_MAX then INT64_MIN: a delta of +1 that wraps.
  std::string b = "\x80\x01\x04\x02";
  AppendUleb128(&b, ZigZagEncode(std::numeric_limits<int64_t>::max()));
  b += std::string("\x02\0\0\0\0", 5);
  Values out;
  const Bytes bytes(b.begin(), b.end());
  ASSERT_TRUE(Decode(Encoding::kDeltaBinaryPacked, PhysicalType::kInt64, bytes, 2, &out).ok());
  EXPECT_EQ(out.ints, (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                            std::numeric_limits<int64_t>::min()}));
  // INT32: 2147483647 + 1 is -2147483648.
  std::string c = "\x80\x01\x04\x02";
  AppendUleb128(&c, ZigZagEncode(2147483647));
  c += std::string("\x02\0\0\0\0", 5);
  Values out32;
  const Bytes bytes32(c.begin(), c.end());
  ASSERT_TRUE(Decode(Encoding::kDeltaBinaryPacked, PhysicalType::kInt32, bytes32, 2, &out32).ok());
  EXPECT_EQ(out32.ints, (std::vector<int64_t>{2147483647, -2147483648LL}));
  // The page says 3 values, the stream holds 2.
  EXPECT_EQ(Decode(Encoding::kDeltaBinaryPacked, PhysicalType::kInt64, bytes, 3, &out).code(),
            StatusCode::kCorruption);
}

TEST(ParquetDeltaTest, DeltaLengthByteArrayIsTheSpecExample) {
  // Lengths 5, 5, 6, 6: first 5, deltas 0, 1, 0 (min 0, one bit each), then the bytes.
  const Bytes b = Cat({{0x80, 0x01, 0x04, 0x04, 0x0A, 0x00, 1, 0, 0, 0, 0x02, 0, 0, 0},
                       Str("HelloWorldFoobarABCDEF")});
  Values out;
  ASSERT_TRUE(Decode(Encoding::kDeltaLengthByteArray, PhysicalType::kByteArray, b, 4, &out).ok());
  EXPECT_EQ(out.strings, (std::vector<std::string_view>{"Hello", "World", "Foobar", "ABCDEF"}));
  const Bytes cut(b.begin(), b.end() - 1);  // the last value runs past the page
  Values out2;
  EXPECT_EQ(Decode(Encoding::kDeltaLengthByteArray, PhysicalType::kByteArray, cut, 4, &out2).code(),
            StatusCode::kCorruption);
}

TEST(ParquetDeltaTest, DeltaByteArrayIsTheSpecExample) {
  // Prefixes 0, 2, 0, 3 (deltas 2, -2, 3; min -2; relative 4, 0, 5 at 3 bits).
  const Bytes prefixes = {0x80, 0x01, 0x04, 0x04, 0x00, 0x03, 3, 0, 0, 0, 0x44,
                          0x01, 0,    0,    0,    0,    0,    0, 0, 0, 0, 0};
  // Suffix lengths 4, 2, 6, 5 (deltas -2, 4, -1; min -2; relative 0, 6, 1 at 3 bits).
  const Bytes suffixes = {0x80, 0x01, 0x04, 0x04, 0x08, 0x03, 3, 0, 0, 0, 0x70,
                          0x00, 0,    0,    0,    0,    0,    0, 0, 0, 0, 0};
  const Bytes b = Cat({prefixes, suffixes, Str("axislebabbleyhood")});
  Values out;
  std::string scratch;
  ASSERT_TRUE(
      Decode(Encoding::kDeltaByteArray, PhysicalType::kByteArray, b, 4, &out, nullptr, &scratch)
          .ok());
  EXPECT_EQ(out.strings, (std::vector<std::string_view>{"axis", "axle", "babble", "babyhood"}));
  // A first prefix longer than the (empty) previous value.
  Bytes bad = b;
  bad[4] = 0x02;  // first prefix 1
  Values out2;
  EXPECT_EQ(
      Decode(Encoding::kDeltaByteArray, PhysicalType::kByteArray, bad, 4, &out2, nullptr, &scratch)
          .code(),
      StatusCode::kCorruption);
}

TEST(ParquetPlainTest, EveryPhysicalType) {
  Values v;
  ASSERT_TRUE(
      Decode(Encoding::kPlain, PhysicalType::kInt32, {0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0}, 2, &v)
          .ok());
  EXPECT_EQ(v.ints, (std::vector<int64_t>{-1, 7}));
  v.clear();
  Bytes i64(8);
  const int64_t big = -1234567890123LL;
  std::memcpy(i64.data(), &big, 8);
  ASSERT_TRUE(Decode(Encoding::kPlain, PhysicalType::kInt64, i64, 1, &v).ok());
  EXPECT_EQ(v.ints[0], big);
  v.clear();
  ASSERT_TRUE(Decode(Encoding::kPlain, PhysicalType::kBoolean, {0x0D}, 4, &v).ok());  // 1,0,1,1
  EXPECT_EQ(v.ints, (std::vector<int64_t>{1, 0, 1, 1}));
  v.clear();
  Bytes fd(12);
  const float f = 1.5f;
  const double d = -2.25;
  std::memcpy(fd.data(), &f, 4);
  std::memcpy(fd.data() + 4, &d, 8);
  ASSERT_TRUE(
      Decode(Encoding::kPlain, PhysicalType::kFloat, Bytes(fd.begin(), fd.begin() + 4), 1, &v)
          .ok());
  ASSERT_TRUE(
      Decode(Encoding::kPlain, PhysicalType::kDouble, Bytes(fd.begin() + 4, fd.end()), 1, &v).ok());
  EXPECT_EQ(v.doubles, (std::vector<double>{1.5, -2.25}));
  v.clear();
  const Bytes ba =
      Cat({{3, 0, 0, 0}, Str("abc"), {0, 0, 0, 0}, {4, 0, 0, 0}, Str("\xc3\xa9t\xc3")});
  ASSERT_TRUE(Decode(Encoding::kPlain, PhysicalType::kByteArray, ba, 3, &v).ok());
  EXPECT_EQ(v.strings, (std::vector<std::string_view>{"abc", "", "\xc3\xa9t\xc3"}));
  v.clear();
  EXPECT_EQ(Decode(Encoding::kPlain, PhysicalType::kByteArray, ba, 4, &v).code(),
            StatusCode::kCorruption);
  const Bytes lying = {0xFF, 0xFF, 0xFF, 0x7F, 'a'};  // a 2 GiB length in a 5-byte page
  EXPECT_EQ(Decode(Encoding::kPlain, PhysicalType::kByteArray, lying, 1, &v).code(),
            StatusCode::kCorruption);
  v.clear();
  const Bytes flba = Str("abcdef");  // the views point into it
  ASSERT_TRUE(
      Decode(Encoding::kPlain, PhysicalType::kFixedLenByteArray, flba, 3, &v, nullptr, nullptr, 2)
          .ok());
  EXPECT_EQ(v.strings, (std::vector<std::string_view>{"ab", "cd", "ef"}));
  v.clear();
  // INT96: 5 ns into Julian day 2440589 (1970-01-02).
  Bytes i96 = {5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const int32_t day = 2440589;
  std::memcpy(i96.data() + 8, &day, 4);
  ASSERT_TRUE(Decode(Encoding::kPlain, PhysicalType::kInt96, i96, 1, &v).ok());
  EXPECT_EQ(v.ints[0], 86400LL * 1000000000LL + 5);
  EXPECT_EQ(Decode(Encoding::kPlain, PhysicalType::kInt64, i64, 2, &v).code(),
            StatusCode::kCorruption);
}

TEST(ParquetPlainTest, ByteStreamSplit) {
  const float a = 1.0f, b = -3.5f;
  uint8_t raw[8];
  std::memcpy(raw, &a, 4);
  std::memcpy(raw + 4, &b, 4);
  Bytes split(8);
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 4; ++k) split[k * 2 + i] = raw[i * 4 + k];
  }
  Values v;
  ASSERT_TRUE(Decode(Encoding::kByteStreamSplit, PhysicalType::kFloat, split, 2, &v).ok());
  EXPECT_EQ(v.doubles, (std::vector<double>{1.0, -3.5}));
}

TEST(ParquetDictionaryTest, IndicesAndTheirBounds) {
  Values dict;
  dict.strings = {"a", "b", "c"};
  Values v;
  // Width 2; an RLE run of three 2s, then a bit-packed group 0,1,2,1,0,0,0,0.
  const Bytes b = {2, 0x06, 0x02, 0x03, 0b01100100, 0x00};
  ASSERT_TRUE(Decode(Encoding::kRleDictionary, PhysicalType::kByteArray, b, 7, &v, &dict).ok());
  EXPECT_EQ(v.strings, (std::vector<std::string_view>{"c", "c", "c", "a", "b", "c", "b"}));
  const Bytes out_of_range = {2, 0x06, 0x03};
  Values v2;
  Status s =
      Decode(Encoding::kRleDictionary, PhysicalType::kByteArray, out_of_range, 3, &v2, &dict);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("dictionary index 3 >= dictionary size 3"), std::string::npos);
  EXPECT_EQ(Decode(Encoding::kRleDictionary, PhysicalType::kByteArray, b, 7, &v2).code(),
            StatusCode::kCorruption);  // no dictionary page
  EXPECT_EQ(Decode(Encoding::kRleDictionary, PhysicalType::kByteArray, {40, 0x02, 0}, 1, &v2, &dict)
                .code(),
            StatusCode::kCorruption);  // bit width 40
}

TEST(ParquetDictionaryTest, CountedIndicesAndTheirBounds) {
  // The same indices as above, counted: c three times from the run, then a, b, c, b.
  const Bytes b = {2, 0x06, 0x02, 0x03, 0b01100100, 0x00};
  std::vector<uint64_t> counts(3);
  ASSERT_TRUE(pq::CountDictionaryIndices(b.data(), b.size(), 7, &counts).ok());
  EXPECT_EQ(counts, (std::vector<uint64_t>{1, 2, 4}));
  ASSERT_TRUE(pq::CountDictionaryIndices(b.data(), b.size(), 3, &counts).ok());  // adds
  EXPECT_EQ(counts, (std::vector<uint64_t>{1, 2, 7}));
  const Bytes out_of_range = {2, 0x06, 0x03};
  Status s = pq::CountDictionaryIndices(out_of_range.data(), out_of_range.size(), 3, &counts);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("dictionary index 3 >= dictionary size 3"), std::string::npos);
  s = pq::CountDictionaryIndices(b.data(), b.size(), 12, &counts);  // more than the page holds
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_TRUE(pq::IsDictionaryEncoding(static_cast<int>(Encoding::kRleDictionary)));
  EXPECT_TRUE(pq::IsDictionaryEncoding(static_cast<int>(Encoding::kPlainDictionary)));
  EXPECT_FALSE(pq::IsDictionaryEncoding(static_cast<int>(Encoding::kPlain)));
}

TEST(ParquetDictionaryTest, RleBooleansAndUnsupportedEncodings) {
  Values v;
  const Bytes b = {2, 0, 0, 0, 0x06, 0x01};  // length 2: an RLE run of three trues
  ASSERT_TRUE(Decode(Encoding::kRle, PhysicalType::kBoolean, b, 3, &v).ok());
  EXPECT_EQ(v.ints, (std::vector<int64_t>{1, 1, 1}));
  Status s = Decode(Encoding::kDeltaBinaryPacked, PhysicalType::kDouble, b, 1, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("DELTA_BINARY_PACKED"), std::string::npos) << s.message();
  EXPECT_EQ(Decode(static_cast<Encoding>(42), PhysicalType::kInt32, b, 1, &v).code(),
            StatusCode::kInvalidArgument);
}

std::string Payload() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "row " + std::to_string(i % 97) + " \xc3\xa9\n";
  return s;
}

// One gzip member (zlib, through the test helper that writes .gz files).
std::string GzipMember(const std::string& in) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/member.gz";
  testing::WriteGzipFile(path, in);
  return testing::ReadFile(path);
}

Status Inflate(int codec, const std::string& in, size_t size, std::string* out) {
  return Decompress(codec, reinterpret_cast<const uint8_t*>(in.data()), in.size(), size, out);
}

TEST(ParquetDecompressTest, EveryCodecAndSizeMismatches) {
  const std::string plain = Payload();
  std::string out;
  ASSERT_TRUE(Inflate(0, plain, plain.size(), &out).ok());
  EXPECT_EQ(out, plain);
  std::string sn;
  snappy::Compress(plain.data(), plain.size(), &sn);
  ASSERT_TRUE(Inflate(1, sn, plain.size(), &out).ok());
  EXPECT_EQ(out, plain);
  EXPECT_EQ(Inflate(1, sn, plain.size() + 1, &out).code(), StatusCode::kCorruption);
  // Two gzip members, as Compression.md says readers should accept.
  const std::string half = plain.substr(0, 1000);
  const std::string gz = GzipMember(half) + GzipMember(plain.substr(1000));
  ASSERT_TRUE(Inflate(2, gz, plain.size(), &out).ok());
  EXPECT_EQ(out, plain);
  EXPECT_EQ(Inflate(2, gz, plain.size() - 1, &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(Inflate(2, gz, plain.size() + 1, &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(Inflate(2, gz.substr(0, gz.size() / 2), plain.size(), &out).code(),
            StatusCode::kCorruption);
  std::string zs(ZSTD_compressBound(plain.size()), '\0');
  zs.resize(ZSTD_compress(zs.data(), zs.size(), plain.data(), plain.size(), 3));
  ASSERT_TRUE(Inflate(6, zs, plain.size(), &out).ok());
  EXPECT_EQ(out, plain);
  EXPECT_EQ(Inflate(6, zs, plain.size() - 1, &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(Inflate(6, zs, plain.size() + 1, &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(Inflate(6, "not zstd at all", 10, &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(Inflate(1, "\xff\xff\xff\xff\xff", 10, &out).code(), StatusCode::kCorruption);
  Status s = Inflate(7, sn, plain.size(), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("LZ4_RAW"), std::string::npos);
}

}  // namespace
}  // namespace rankflow::pq
