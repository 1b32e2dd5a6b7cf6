// The dataflow codec (runtime/flow/codec.h): round trips, and order preservation as a property:
// for random values a, b of one type, Encode(a) < Encode(b) as bytes iff a < b.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "runtime/flow/codec.h"
#include "runtime/flow/record_text.h"

namespace rankflow::flow {
namespace {

struct Edge {
  std::string src;
  std::string dst;
  int64_t weight = 0;
  std::optional<double> score;
  std::vector<int32_t> tags;
  bool operator==(const Edge&) const = default;
};
RF_FIELDS(Edge, src, dst, weight, score, tags);

struct Outer {
  Edge edge;
  std::pair<uint8_t, std::string> label;
  bool operator==(const Outer&) const = default;
};
RF_FIELDS(Outer, edge, label);

std::mt19937_64 rng(20261204);

std::string RandomString() {
  // Short strings over a tiny alphabet that includes NUL, 0x01 and 0xFF, so prefixes, escapes
  // and terminators meet often.
  static const char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\xff'};
  std::string s(rng() % 4, ' ');
  for (char& c : s) c = kAlphabet[rng() % sizeof kAlphabet];
  return s;
}

template <typename T>
int Sign(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int ByteSign(const std::string& a, const std::string& b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

template <typename T, typename Gen>
void CheckOrderProperty(Gen gen, int trials = 20000) {
  for (int i = 0; i < trials; ++i) {
    T a = gen(), b = gen();
    std::string ea = EncodeToString(a), eb = EncodeToString(b);
    ASSERT_EQ(ByteSign(ea, eb), Sign(a, b)) << "trial " << i;
    T back{};
    ASSERT_TRUE(DecodeAll(ea, &back));
    ASSERT_TRUE(back == a || (Sign(back, a) == 0)) << "trial " << i;
  }
}

TEST(FlowCodec, SignedAndUnsignedIntegersKeepOrder) {
  CheckOrderProperty<int64_t>([] { return static_cast<int64_t>(rng()); });
  CheckOrderProperty<int64_t>([] { return static_cast<int64_t>(rng() % 7) - 3; });
  CheckOrderProperty<int32_t>([] { return static_cast<int32_t>(rng()); });
  CheckOrderProperty<int8_t>([] { return static_cast<int8_t>(rng()); });
  CheckOrderProperty<uint64_t>([] { return rng(); });
  CheckOrderProperty<uint16_t>([] { return static_cast<uint16_t>(rng()); });
  CheckOrderProperty<bool>([] { return (rng() & 1) != 0; });
}

TEST(FlowCodec, FloatingPointKeepsOrder) {
  auto any_double = [] {
    switch (rng() % 4) {
      case 0:
        return std::ldexp(static_cast<double>(static_cast<int64_t>(rng())), -40);
      case 1:
        return static_cast<double>(static_cast<int>(rng() % 5) - 2);
      case 2: {
        const double specials[] = {
            std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
            std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::max(), 1e-300};
        return specials[rng() % 5];
      }
      default: {
        uint64_t bits = rng();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return std::isnan(d) ? 0.5 : d;
      }
    }
  };
  // -0.0 equals +0.0 in value but not in bytes (documented): the generators give +0.0 only.
  CheckOrderProperty<double>([&] {
    double d = any_double();
    return d == 0 ? 0.0 : d;
  });
  CheckOrderProperty<float>([&] {
    float f = static_cast<float>(any_double());
    return f == 0 ? 0.0f : f;
  });
  // -0.0 sorts just below +0.0 (documented), NaN above +infinity.
  EXPECT_LT(EncodeToString(-0.0), EncodeToString(0.0));
  EXPECT_GT(EncodeToString(std::nan("")), EncodeToString(std::numeric_limits<double>::infinity()));
}

TEST(FlowCodec, StringsKeepOrderWithNulsAndPrefixes) {
  CheckOrderProperty<std::string>(RandomString);
  EXPECT_LT(EncodeToString(std::string("a")), EncodeToString(std::string("a\0", 2)));
  EXPECT_LT(EncodeToString(std::string("a\0", 2)), EncodeToString(std::string("a\x01")));
  EXPECT_LT(EncodeToString(std::string("a")), EncodeToString(std::string("ab")));
  EXPECT_EQ(EncodeToString(std::string_view("x\0y", 3)), EncodeToString(std::string("x\0y", 3)));
}

TEST(FlowCodec, CompositesKeepLexicographicOrder) {
  CheckOrderProperty<std::pair<std::string, int64_t>>(
      [] { return std::make_pair(RandomString(), static_cast<int64_t>(rng() % 5) - 2); });
  CheckOrderProperty<std::tuple<std::string, std::string, bool>>(
      [] { return std::make_tuple(RandomString(), RandomString(), (rng() & 1) != 0); });
  CheckOrderProperty<std::vector<std::string>>([] {
    std::vector<std::string> v(rng() % 3);
    for (auto& s : v) s = RandomString();
    return v;
  });
  CheckOrderProperty<std::vector<int16_t>>([] {
    std::vector<int16_t> v(rng() % 3);
    for (auto& x : v) x = static_cast<int16_t>(static_cast<int>(rng() % 5) - 2);
    return v;
  });
  CheckOrderProperty<std::optional<std::string>>([] {
    return (rng() % 3 == 0) ? std::optional<std::string>() : std::optional(RandomString());
  });
}

TEST(FlowCodec, DescReversesOrderInsideTuples) {
  for (int i = 0; i < 20000; ++i) {
    auto a = std::make_tuple(Desc(static_cast<int64_t>(rng() % 5)), RandomString());
    auto b = std::make_tuple(Desc(static_cast<int64_t>(rng() % 5)), RandomString());
    // Expected: count descending, then string ascending.
    int expected = std::get<0>(a).value != std::get<0>(b).value
                       ? (std::get<0>(a).value > std::get<0>(b).value ? -1 : 1)
                       : Sign(std::get<1>(a), std::get<1>(b));
    ASSERT_EQ(ByteSign(EncodeToString(a), EncodeToString(b)), expected) << "trial " << i;
    decltype(a) back;
    ASSERT_TRUE(DecodeAll(EncodeToString(a), &back));
    ASSERT_EQ(std::get<0>(back).value, std::get<0>(a).value);
    ASSERT_EQ(std::get<1>(back), std::get<1>(a));
  }
  for (int i = 0; i < 5000; ++i) {
    std::string a = RandomString(), b = RandomString();
    ASSERT_EQ(ByteSign(EncodeToString(Desc(a)), EncodeToString(Desc(b))), -Sign(a, b));
  }
}

TEST(FlowCodec, StructsRoundTripAndOrderByFieldsInDeclarationOrder) {
  for (int i = 0; i < 5000; ++i) {
    Edge e{RandomString(),
           RandomString(),
           static_cast<int64_t>(rng() % 9) - 4,
           rng() % 2 ? std::optional<double>(static_cast<double>(rng() % 100) / 8) : std::nullopt,
           {}};
    for (uint64_t n = rng() % 3; n > 0; --n) e.tags.push_back(static_cast<int32_t>(rng()));
    Outer o{e, {static_cast<uint8_t>(rng()), RandomString()}};
    Outer back;
    ASSERT_TRUE(DecodeAll(EncodeToString(o), &back));
    ASSERT_EQ(back, o);
    Edge other{RandomString(), RandomString(), static_cast<int64_t>(rng() % 9) - 4, {}, {}};
    auto as_tuple = [](const Edge& x) { return std::tie(x.src, x.dst, x.weight, x.score, x.tags); };
    ASSERT_EQ(ByteSign(EncodeToString(e), EncodeToString(other)),
              Sign(as_tuple(e), as_tuple(other)));
  }
  EXPECT_EQ(FieldNames<Edge>(),
            (std::vector<std::string>{"src", "dst", "weight", "score", "tags"}));
}

TEST(FlowCodec, TruncatedOrDamagedBytesDoNotDecode) {
  Edge e{"from", std::string("t\0o", 3), -7, 1.5, {1, 2, 3}};
  const std::string bytes = EncodeToString(e);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Edge back;
    EXPECT_FALSE(DecodeAll(std::string_view(bytes).substr(0, n), &back)) << n;
  }
  Edge back;
  EXPECT_FALSE(DecodeAll(bytes + "x", &back));
  bool flag;
  EXPECT_FALSE(DecodeAll(std::string("\x02"), &flag));
  std::optional<int8_t> opt;
  EXPECT_FALSE(DecodeAll(std::string("\x05\x80"), &opt));
}

// Decoding into a used value (load_tweets decodes every record into one Tweet) gives exactly the
// encoded value: vectors shrink and grow, their reused strings and inner vectors are replaced.
TEST(FlowCodec, DecodingIntoAUsedValueReplacesIt) {
  using Nested = std::vector<std::vector<std::string>>;
  const Nested values[] = {{{"a-string-longer-than-the-small-size", "b"}, {}, {"c"}},
                           {{"x"}},
                           {},
                           {{}, {"y", "z", "a-string-longer-than-the-small-size-again"}},
                           {{"a"}, {"b"}, {"c"}, {"d"}}};
  Nested back = {{"left", "over"}, {"from", "before"}};
  for (const Nested& v : values) {
    ASSERT_TRUE(DecodeAll(EncodeToString(v), &back));
    EXPECT_EQ(back, v);
  }
  Edge edge{"s", "d", 1, std::nullopt, {4, 5, 6, 7}};
  ASSERT_TRUE(DecodeAll(EncodeToString(Edge{"s2", "d2", 2, 0.5, {9}}), &edge));
  EXPECT_EQ(edge, (Edge{"s2", "d2", 2, 0.5, {9}}));
}

TEST(FlowRecordText, ColumnsCellsAndJsonFollowTheRowShape) {
  Edge e{"a,b", "c", -3, std::nullopt, {4, 5}};
  EXPECT_EQ(RowColumns<Edge>({}), FieldNames<Edge>());
  std::vector<std::string> cells;
  AppendRowCells(e, &cells);
  EXPECT_EQ(cells, (std::vector<std::string>{"a,b", "c", "-3", "", "[4,5]"}));
  std::string json;
  AppendJsonRow(e, RowColumns<Edge>({}), &json);
  EXPECT_EQ(json, R"({"src":"a,b","dst":"c","weight":-3,"score":null,"tags":[4,5]})");

  using Row = std::pair<std::tuple<std::string, int64_t>, uint64_t>;
  EXPECT_EQ(RowColumns<Row>({}), (std::vector<std::string>{"_1", "_2", "_3"}));
  EXPECT_EQ(RowColumnKinds<Row>(),
            (std::vector<int>{kColumnOther, kColumnInteger, kColumnInteger}));
  json.clear();
  AppendJsonRow(Row{{"en", 13}, 7}, {"lang", "hour", "n"}, &json);
  EXPECT_EQ(json, R"({"lang":"en","hour":13,"n":7})");
  EXPECT_EQ(RowColumns<double>({}), (std::vector<std::string>{"value"}));
  EXPECT_EQ(CellText(0.1), "0.1");
  EXPECT_EQ(CellText(std::nan("")), "nan");
  json.clear();
  AppendJsonValue(std::numeric_limits<double>::infinity(), &json);
  EXPECT_EQ(json, "null");
  json.clear();
  AppendJsonValue(Outer{e, {1, "x\n"}}, &json);
  EXPECT_EQ(json, R"({"edge":{"src":"a,b","dst":"c","weight":-3,"score":null,"tags":[4,5]},)"
                  R"("label":[1,"x\n"]})");
}

}  // namespace
}  // namespace rankflow::flow
