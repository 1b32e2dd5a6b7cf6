#include "runtime/progress.h"

#include <gtest/gtest.h>

#include <thread>

namespace rankflow {
namespace {

TEST(ProgressTest, Formats) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(210300000), "210.3 MB");
  EXPECT_EQ(FormatBytes(1540000000), "1.5 GB");
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
}

TEST(ProgressTest, LineShowsFilesBytesRecordsRateAndEta) {
  Progress p("top_terms", true, 2, 1);
  p.SetTotals(8, 400000000);
  std::string line = p.FormatLine({2, 100000000, 700000000, 12345}, 2.0);
  EXPECT_EQ(line,
            "top_terms: ~2/8 files, 100.0 MB stored (700.0 MB uncompressed), 12,345 records, "
            "50.0 MB/s, eta 6.0s");
}

TEST(ProgressTest, PlainLinesEveryIntervalOnlyWhenEnabled) {
  Progress off("job", false, 1, 1);
  Progress on("job", true, 2, 1);
  ASSERT_FALSE(on.is_terminal());  // ctest pipes stderr
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    off.Update({1, 10, 20, 30});
    on.Update({1, 10, 20, 30});
  }
  EXPECT_EQ(off.lines_printed(), 0);
  EXPECT_EQ(on.lines_printed(), 3);
}

TEST(ProgressTest, NoLineBeforeTheInterval) {
  Progress p("job", true, 1, 60000);
  for (int i = 0; i < 100; ++i) p.Update({0, 1, 1, 1});
  EXPECT_EQ(p.lines_printed(), 0);
}

TEST(ProgressTest, SummaryUsesTheGlobalFigures) {
  Progress p("top_terms", true, 4, 1);
  std::string s = p.Finish({8, 23300000, 200000000, 48873}, 24);
  EXPECT_EQ(s.rfind("top_terms: 8 files, 23.3 MB stored, 200.0 MB uncompressed, 48,873 records, "
                    "24 bad lines in ",
                    0),
            0u)
      << s;
  EXPECT_NE(s.find("MB/s uncompressed)"), std::string::npos);
}

}  // namespace
}  // namespace rankflow
