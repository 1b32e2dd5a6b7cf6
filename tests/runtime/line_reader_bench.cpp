// Hand-run throughput check of LineReader (not a ctest entry):
//   line_reader_bench FILE [REPEATS]
// Reads FILE with the ISA-L and the zlib backends (RANKFLOW_GZIP), checks both give the same lines
// and bytes, then prints the best of REPEATS runs as MB/s of uncompressed bytes (10^6 bytes) per
// CPU second of this process (so that other work on a shared machine does not distort it).
#include <stdlib.h>

#include <cstdio>
#include <string>

#include "runtime/fs.h"
#include "runtime/line_reader.h"
#include "tests/runtime/bench_util.h"

namespace {

using rankflow::testing::CpuSeconds;

struct Pass {
  uint64_t lines = 0;
  uint64_t line_bytes = 0;
  uint64_t checksum = 0;
  uint64_t stream_bytes = 0;
  double seconds = 0;
};

bool ReadOnce(rankflow::FileSystem& fs, const rankflow::FileInfo& file, Pass* pass) {
  double start = CpuSeconds();
  std::unique_ptr<rankflow::LineReader> reader;
  rankflow::Status s = rankflow::LineReader::Open(fs, file, &reader);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return false;
  }
  std::string_view line;
  *pass = Pass();
  while (reader->Next(&line)) {
    ++pass->lines;
    pass->line_bytes += line.size();
    pass->checksum += static_cast<unsigned char>(line.front()) + line.size() * 31;
  }
  if (!reader->status().ok()) {
    std::fprintf(stderr, "%s\n", reader->status().ToString().c_str());
    return false;
  }
  pass->stream_bytes = reader->bytes_read();
  pass->seconds = CpuSeconds() - start;
  return true;
}

// Decoding alone (no line splitting), for comparison: MB/s of the decoder.
double DecodeOnlySeconds(rankflow::FileSystem& fs, const std::string& path, uint64_t* bytes) {
  double start = CpuSeconds();
  std::unique_ptr<rankflow::InputStream> raw;
  std::unique_ptr<rankflow::InputStream> decoded;
  if (!fs.OpenRead(path, 0, rankflow::FileSystem::kToEnd, &raw).ok() ||
      !rankflow::NewDecodingStream(std::move(raw), &decoded).ok()) {
    return -1;
  }
  std::unique_ptr<char[]> buf(new char[4 << 20]);
  *bytes = 0;
  for (;;) {
    size_t got = 0;
    if (!decoded->Read(buf.get(), 4 << 20, &got).ok()) return -1;
    if (got == 0) break;
    *bytes += got;
  }
  return CpuSeconds() - start;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: line_reader_bench FILE [REPEATS]\n");
    return 2;
  }
  int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  auto fs = rankflow::NewLocalFileSystem();
  auto size = fs->Size(argv[1]);
  if (!size.ok()) {
    std::fprintf(stderr, "%s\n", size.status().ToString().c_str());
    return 1;
  }
  rankflow::FileInfo file{argv[1], size.value()};
  Pass reference;
  bool have_reference = false;
  std::printf("%-8s %10s %12s %10s %8s\n", "backend", "lines", "MB (uncomp)", "best cpu s", "MB/s");
  for (const char* backend : {"isal", "zlib"}) {
    setenv("RANKFLOW_GZIP", backend, 1);
    Pass best;
    for (int i = 0; i < repeats; ++i) {
      Pass p;
      if (!ReadOnce(*fs, file, &p)) return 1;
      if (!have_reference) {
        reference = p;
        have_reference = true;
      }
      if (p.lines != reference.lines || p.checksum != reference.checksum ||
          p.stream_bytes != reference.stream_bytes) {
        std::fprintf(stderr, "%s: different result from the first pass\n", backend);
        return 1;
      }
      if (i == 0 || p.seconds < best.seconds) best = p;
    }
    double mb = static_cast<double>(best.stream_bytes) / 1e6;
    std::printf("%-8s %10lu %12.1f %10.3f %8.0f\n", backend, static_cast<unsigned long>(best.lines),
                mb, best.seconds, mb / best.seconds);
    double best_decode = 0;
    for (int i = 0; i < repeats; ++i) {
      uint64_t bytes = 0;
      double t = DecodeOnlySeconds(*fs, file.path, &bytes);
      if (t < 0 || bytes != reference.stream_bytes) {
        std::fprintf(stderr, "%s: decode-only pass failed or differs\n", backend);
        return 1;
      }
      if (i == 0 || t < best_decode) best_decode = t;
    }
    std::printf("%-8s %10s %12.1f %10.3f %8.0f  (decode only, no line splitting)\n", backend, "-",
                mb, best_decode, mb / best_decode);
  }
  return 0;
}
