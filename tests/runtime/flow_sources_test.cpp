// The dataflow API's text sources (runtime/flow/flow.h) at 1, 2 and 4 ranks: JsonLines, CsvRows
// and Read (earlier outputs decoded by field name), with bad lines counted by kind, against the
// records the test wrote itself.
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/flow/flow.h"
#include "runtime/writer.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow::flow {
namespace {

using rankflow::testing::TestMpi;

struct Visit {
  std::string user;
  int64_t hour = 0;
  double ms = 0;
  std::optional<std::string> lang;
  std::vector<int32_t> tags;
  bool operator==(const Visit&) const = default;
  bool operator<(const Visit& o) const { return EncodeToString(*this) < EncodeToString(o); }
};
RF_FIELDS(Visit, user, hour, ms, lang, tags);
void PrintTo(const Visit& v, std::ostream* os) {
  std::string json;
  AppendJsonValue(v, &json);
  *os << json;
}

std::vector<Visit> MakeVisits() {
  std::vector<Visit> v;
  for (int i = 0; i < 300; ++i) {
    v.push_back({"u,\"" + std::to_string(i % 17), i % 24, i / 7.0 + 0.1,
                 i % 3 ? std::optional<std::string>("en") : std::nullopt,
                 std::vector<int32_t>(static_cast<size_t>(i % 3), i)});
  }
  return v;
}

int64_t Total(Context& ctx, const std::string& counter) {
  return TestMpi().AllSum(ctx.metrics().Get(counter));
}

TEST(FlowSources, ReadDecodesWhatWriteWritesInJsonlGzipAndCsv) {
  const std::vector<Visit> visits = MakeVisits();
  testing::SharedTempDir dir([&](const std::string& d) {
    std::string jsonl[2], csv = "user,hour,ms,lang,tags\n";
    for (size_t i = 0; i < visits.size(); ++i) {
      std::string line;
      AppendJsonRow(visits[i], RowColumns<Visit>({}), &line);
      std::vector<std::string> cells;
      AppendRowCells(visits[i], &cells);
      std::string row;
      for (size_t c = 0; c < cells.size(); ++c) row += (c ? "," : "") + CsvQuote(cells[c]);
      if (i % 3 == 0)
        csv += row + "\n";
      else
        jsonl[i % 2] += line + "\n";
    }
    rankflow::testing::WriteFile(d + "/part-00000.jsonl", jsonl[0]);
    rankflow::testing::WriteGzipFile(d + "/part-00001.jsonl.gz", jsonl[1]);
    rankflow::testing::WriteFile(d + "/part-00002.csv", csv + "not,a,row\n");
  });
  Context ctx(TestMpi(), {});
  std::vector<Visit> got = ctx.Read<Visit>({dir.path(), ""}).Broadcast();
  std::vector<Visit> want = visits;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(Total(ctx, "bad_lines.invalid_record"), 1) << ctx.metrics().ToJsonMembers();
}

TEST(FlowSources, JsonLinesGiveObjectsAndCountInvalidJson) {
  testing::SharedTempDir dir([](const std::string& d) {
    std::string text;
    for (int i = 0; i < 200; ++i)
      text += R"({"id":)" + std::to_string(i) + R"(,"lang":"l)" + std::to_string(i % 4) +
              R"(","extra":[1,2]})" + "\n";
    text +=
        "{broken\n[1,2]\n"
        R"({"id":"not a number"})"
        "\n";
    rankflow::testing::WriteFile(d + "/a.jsonl", text);
  });
  Context ctx(TestMpi(), {});
  auto pairs = ctx.JsonLines<std::pair<int64_t, std::string>>(
      [](simdjson::ondemand::object& obj, LineContext&,
         Emitter<std::pair<int64_t, std::string>>& emit) {
        int64_t id = obj["id"].get_int64();  // throws for a string: a bad line
        std::string_view lang = obj["lang"].get_string();
        emit({id, std::string(lang)});
      },
      {dir.path(), ""});
  auto got = pairs.Broadcast();
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(got[static_cast<size_t>(i)], std::make_pair(int64_t{i}, "l" + std::to_string(i % 4)));
  }
  EXPECT_EQ(Total(ctx, "bad_lines.invalid_json"), 3);
}

TEST(FlowSources, CsvRowsGiveFieldsByHeaderNameInEveryFile) {
  testing::SharedTempDir dir([](const std::string& d) {
    rankflow::testing::WriteFile(d + "/a.csv", "name,n\nx,1\n\"y,\"\"z\"\"\",2\nbad\n");
    rankflow::testing::WriteFile(d + "/b.csv", "n,name\n3,w\n\"4,v\n");
  });
  Context ctx(TestMpi(), {});
  auto got =
      ctx.CsvRows<std::pair<std::string, int64_t>>(
             [](const CsvRow& row, LineContext&, Emitter<std::pair<std::string, int64_t>>& emit) {
               emit({std::string(*row.Get("name")), std::stoll(std::string(*row.Get("n")))});
             },
             {dir.path(), ""})
          .Broadcast();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got,
            (std::vector<std::pair<std::string, int64_t>>{{"w", 3}, {"x", 1}, {"y,\"z\"", 2}}));
  EXPECT_EQ(Total(ctx, "bad_lines.invalid_csv"), 2);
}

TEST(FlowSources, StrictFailsOnTheFirstBadLineOnEveryRank) {
  testing::SharedTempDir dir([](const std::string& d) {
    rankflow::testing::WriteFile(d + "/a.jsonl", "{\"id\":1}\nnot json\n{\"id\":2}\n");
  });
  ContextOptions options;
  options.strict = true;
  Context ctx(TestMpi(), options);
  auto ids = ctx.JsonLines<int64_t>([](simdjson::ondemand::object& obj, LineContext&,
                                       Emitter<int64_t>& emit) { emit(obj["id"].get_int64()); },
                                    {dir.path(), ""});
  try {
    ids.Count();
    ADD_FAILURE() << "no error";
  } catch (const JobFailed& e) {
    EXPECT_NE(e.status().message().find("--strict: invalid_json at " + dir.path() + "/a.jsonl:2"),
              std::string::npos)
        << e.status().message();
  }
}

TEST(FlowSources, CountersFromUserCodeAreSummedOverRanks) {
  Context ctx(TestMpi(), {});
  std::vector<int64_t> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i);
  int64_t* odd = ctx.Counter("odd_values");
  const uint64_t n = ctx.Parallelize(values)
                         .Filter([odd](int64_t v) {
                           if (v % 2 == 1) ++*odd;
                           return true;
                         })
                         .Count();
  EXPECT_EQ(n, 1000u);
  EXPECT_EQ(Total(ctx, "odd_values"), 500);
}

}  // namespace
}  // namespace rankflow::flow
