// The dataflow API's Parquet sources (runtime/flow/flow.h) at 1, 2 and 4 ranks. ReadParquet<T>
// gives back the rows of files written with Write's Parquet encoding of T (every field kind:
// integers of several widths, bool, double, strings, an optional, a list, a nested struct as JSON
// text), reads only the columns a narrower struct names, counts rows that do not fit T as bad
// records (--strict fails on the first), and fails the job with one line for a column a field
// cannot take. FromParquetSource, the hook under it, sees the job's files and counts them once.
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/flow/flow.h"
#include "runtime/fs.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow::flow {
namespace {

using rankflow::testing::TempDir;
using rankflow::testing::TestMpi;

struct Place {
  std::string city;
  std::vector<double> at;
  bool operator==(const Place&) const = default;
};
RF_FIELDS(Place, city, at);

struct Visit {
  std::string user;
  int64_t hour = 0;
  int32_t minute = 0;
  uint8_t weekday = 0;
  bool mobile = false;
  double ms = 0;
  std::optional<std::string> lang;
  std::vector<int64_t> tags;
  Place place;
  bool operator==(const Visit&) const = default;
  bool operator<(const Visit& o) const { return EncodeToString(*this) < EncodeToString(o); }
};
RF_FIELDS(Visit, user, hour, minute, weekday, mobile, ms, lang, tags, place);
void PrintTo(const Visit& v, std::ostream* os) {
  std::string json;
  AppendJsonValue(v, &json);
  *os << json;
}

// Two of Visit's columns, in another order.
struct UserHour {
  int64_t hour = 0;
  std::string user;
  bool operator<(const UserHour& o) const {
    return std::tie(user, hour) < std::tie(o.user, o.hour);
  }
  bool operator==(const UserHour&) const = default;
};
RF_FIELDS(UserHour, hour, user);

Visit MakeVisit(int i) {
  return {"user \xc3\xa9" + std::to_string(i % 23),
          int64_t{1} << (i % 40),
          -i,
          static_cast<uint8_t>(i % 7),
          i % 2 == 0,
          i / 7.0 + 0.1,
          i % 3 ? std::optional<std::string>("en") : std::nullopt,
          std::vector<int64_t>(static_cast<size_t>(i % 4), i),
          {"c" + std::to_string(i % 5), {i * 0.5, -1.0}}};
}

// Writes visits[begin, end) as one Parquet file the way Write does (flow_impl_output.h), with
// small row groups so that ranks have several units to claim.
void WriteVisits(const std::string& path, const std::vector<Visit>& visits, size_t begin,
                 size_t end) {
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs->NewWritableFile(path, &file).ok());
  ParquetWriterOptions o;
  o.row_group_bytes = 4096;
  ParquetWriter w(std::move(file), detail::ParquetSchemaOf<Visit>(FieldNames<Visit>()), o);
  for (size_t i = begin; i < end; ++i) {
    detail::AppendParquetRow(&w, visits[i]);
    ASSERT_TRUE(w.EndRow().ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  ASSERT_TRUE(w.file().Publish().ok());
}

int64_t Total(Context& ctx, const std::string& counter) {
  return TestMpi().AllSum(ctx.metrics().Get(counter));
}

std::vector<Visit> MakeVisits(int n) {
  std::vector<Visit> visits;
  for (int i = 0; i < n; ++i) visits.push_back(MakeVisit(i));
  return visits;
}

TEST(FlowParquet, ReadParquetGivesBackEveryFieldOfWhatWriteEncodes) {
  const std::vector<Visit> visits = MakeVisits(900);
  testing::SharedTempDir dir([&](const std::string& d) {
    WriteVisits(d + "/part-00000.parquet", visits, 0, 500);
    WriteVisits(d + "/part-00001.parquet", visits, 500, visits.size());
    rankflow::testing::WriteFile(d + "/notes.txt", "not parquet, not matched\n");
  });
  Context ctx(TestMpi(), {});
  std::vector<Visit> got = ctx.ReadParquet<Visit>({dir.path(), ""}).Broadcast();
  std::vector<Visit> want = visits;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(Total(ctx, "records_in"), 900);
  EXPECT_GT(Total(ctx, "units_in"), 2) << "several row groups to claim";
  EXPECT_EQ(Total(ctx, "bad_lines.invalid_record"), 0);
}

TEST(FlowParquet, ANarrowerStructReadsOnlyItsColumns) {
  const std::vector<Visit> visits = MakeVisits(600);
  testing::SharedTempDir dir(
      [&](const std::string& d) { WriteVisits(d + "/v.parquet", visits, 0, visits.size()); });
  Context wide(TestMpi(), {});
  wide.ReadParquet<Visit>({dir.path(), ""}).Count();
  Context narrow(TestMpi(), {});
  std::vector<UserHour> got = narrow.ReadParquet<UserHour>({dir.path(), ""}).Broadcast();
  std::vector<UserHour> want;
  for (const Visit& v : visits) want.push_back({v.hour, v.user});
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // Only the two columns' chunks are fetched: a fraction of what all nine take.
  EXPECT_LT(Total(narrow, "stored_bytes_in") * 2, Total(wide, "stored_bytes_in"));
}

struct NarrowInts {
  int8_t hour = 0;   // Visit's hour reaches 2^39: most rows do not fit
  std::string lang;  // null in a third of the rows, and not optional here
};
RF_FIELDS(NarrowInts, hour, lang);

TEST(FlowParquet, RowsThatDoNotFitAreBadRecordsAndStrictFailsOnTheFirst) {
  const std::vector<Visit> visits = MakeVisits(300);
  testing::SharedTempDir dir(
      [&](const std::string& d) { WriteVisits(d + "/v.parquet", visits, 0, visits.size()); });
  int64_t fit = 0;
  for (const Visit& v : visits) fit += v.hour <= 127 && v.lang.has_value();
  Context ctx(TestMpi(), {});
  EXPECT_EQ(static_cast<int64_t>(ctx.ReadParquet<NarrowInts>({dir.path(), ""}).Count()), fit);
  EXPECT_EQ(Total(ctx, "bad_lines.invalid_record"), 300 - fit);

  ContextOptions strict;
  strict.strict = true;
  Context strict_ctx(TestMpi(), strict);
  try {
    strict_ctx.ReadParquet<NarrowInts>({dir.path(), ""}).Count();
    ADD_FAILURE() << "--strict read every row";
  } catch (const JobFailed& e) {
    EXPECT_NE(std::string(e.what()).find("invalid_record at "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("v.parquet (row group "), std::string::npos) << e.what();
  }
}

struct WrongTypes {
  std::string hour;  // an INT64 column
};
RF_FIELDS(WrongTypes, hour);
struct NoSuchColumn {
  std::string country;
};
RF_FIELDS(NoSuchColumn, country);

TEST(FlowParquet, AColumnTheFieldCannotTakeFailsTheJobNamingFileAndColumn) {
  testing::SharedTempDir dir([&](const std::string& d) {
    const std::vector<Visit> visits = MakeVisits(50);
    WriteVisits(d + "/v.parquet", visits, 0, visits.size());
  });
  Context ctx(TestMpi(), {});
  try {
    ctx.ReadParquet<WrongTypes>({dir.path(), ""}).Count();
    ADD_FAILURE() << "a string field read an INT64 column";
  } catch (const JobFailed& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("v.parquet: column hour"), std::string::npos) << what;
    EXPECT_NE(what.find("BYTE_ARRAY"), std::string::npos) << what;
  }
  Context missing(TestMpi(), {});
  try {
    missing.ReadParquet<NoSuchColumn>({dir.path(), ""}).Count();
    ADD_FAILURE() << "a missing column was read";
  } catch (const JobFailed& e) {
    EXPECT_NE(std::string(e.what()).find("country"), std::string::npos) << e.what();
  }
}

TEST(FlowParquet, FromParquetSourceIsTheHookAndCountsItsInputOnce) {
  const std::vector<Visit> visits = MakeVisits(400);
  testing::SharedTempDir dir([&](const std::string& d) {
    WriteVisits(d + "/a.parquet", visits, 0, 250);
    WriteVisits(d + "/b.parquet", visits, 250, visits.size());
  });
  Context ctx(TestMpi(), {});
  // The minutes, straight from the column batches.
  auto minutes = ctx.FromParquetSource<int64_t>(
      [](ParquetSource& source, ParquetSourceOptions files, Metrics* metrics,
         Emitter<int64_t>& emit) -> Status {
        files.columns = {"minute"};
        RF_RETURN_IF_ERROR(source.Plan(files));
        return source.Run([&](const ParquetRowBatch& b) {
          for (size_t r = 0; r < b.num_rows; ++r)
            emit(b.columns[0].Int(b.columns[0].ValueBegin(r)));
          ++*metrics->Counter("batches");
          return Status::OK();
        });
      },
      {dir.path(), ""});
  int64_t want = 0;
  for (const Visit& v : visits) want += v.minute;
  // Used twice (no Cache): read twice, counted once.
  EXPECT_EQ(minutes.Count(), 400u);
  const std::vector<int64_t> all = minutes.Broadcast();
  int64_t sum = 0;
  for (int64_t m : all) sum += m;
  EXPECT_EQ(sum, want);
  EXPECT_EQ(Total(ctx, "records_in"), 400);
  EXPECT_GT(Total(ctx, "batches"), 0);
}

}  // namespace
}  // namespace rankflow::flow
