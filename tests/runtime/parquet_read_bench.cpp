// Hand-run throughput check of ParquetFileReader (not a ctest entry):
//   parquet_read_bench FILE COLUMN [REPEATS]
// Reads COLUMN of every row group of FILE in batches of 65536 rows, touching every value (strings:
// every byte, into a checksum), and prints the best of REPEATS runs as rows and values per CPU
// second of this process (other work on a shared machine does not count). Every run must give the
// same counts and checksum.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/fs.h"
#include "runtime/parquet/parquet_reader.h"
#include "tests/runtime/bench_util.h"

namespace {

using rankflow::testing::CpuSeconds;

struct Pass {
  uint64_t rows = 0;
  uint64_t values = 0;
  uint64_t checksum = 0;
  double seconds = 0;
};

rankflow::Status Run(rankflow::FileSystem& fs, const rankflow::FileInfo& file,
                     const std::string& column, Pass* pass) {
  const double t0 = CpuSeconds();
  std::unique_ptr<rankflow::ParquetFileReader> r;
  RF_RETURN_IF_ERROR(rankflow::ParquetFileReader::Open(fs, file, {}, &r));
  std::vector<int> cols;
  RF_RETURN_IF_ERROR(r->ResolveColumns({column}, &cols));
  for (int g = 0; g < r->num_row_groups(); ++g) {
    RF_RETURN_IF_ERROR(r->ReadRowGroup(g, cols, 65536, [&](const rankflow::ParquetRowBatch& b) {
      const rankflow::ParquetColumnBatch& c = b.columns[0];
      const bool strings = !c.values.strings.empty();
      pass->rows += b.num_rows;
      for (size_t row = 0; row < b.num_rows; ++row) {
        for (size_t v = c.ValueBegin(row); v < c.ValueEnd(row); ++v) {
          ++pass->values;
          if (strings) {
            for (char ch : c.String(v))
              pass->checksum = pass->checksum * 31 + static_cast<uint8_t>(ch);
          } else if (!c.values.ints.empty()) {
            pass->checksum += static_cast<uint64_t>(c.Int(v));
          }
        }
      }
      return rankflow::Status::OK();
    }));
  }
  pass->seconds = CpuSeconds() - t0;
  return rankflow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: parquet_read_bench FILE COLUMN [REPEATS]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  auto fs = rankflow::NewLocalFileSystem();
  auto size = fs->Size(path);
  if (!size.ok()) {
    std::fprintf(stderr, "%s\n", size.status().ToString().c_str());
    return 1;
  }
  Pass best;
  for (int i = 0; i < repeats; ++i) {
    Pass p;
    rankflow::Status s = Run(*fs, {path, *size}, argv[2], &p);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    if (i > 0 && (p.rows != best.rows || p.values != best.values || p.checksum != best.checksum)) {
      std::fprintf(stderr, "runs disagree\n");
      return 1;
    }
    if (i == 0 || p.seconds < best.seconds) best = p;
  }
  std::printf(
      "%s %s: %llu rows, %llu values, best of %d: %.3f cpu s, %.1f M rows/s, %.1f M values/s\n",
      path.c_str(), argv[2], static_cast<unsigned long long>(best.rows),
      static_cast<unsigned long long>(best.values), repeats, best.seconds,
      best.rows / best.seconds / 1e6, best.values / best.seconds / 1e6);
  return 0;
}
