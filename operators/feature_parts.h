// FeatureParts: the parts one rank writes tweet_features' rows into (jobs/tweet_features.h has
// the layouts and jobs/README.md the formats): an HDF5 part (runtime's Hdf5PartWriter, rows in
// batches of 1024, built in a scratch file under spill_dir), JSON lines (FeaturesToJson, plain or
// gzip) and a Parquet part (id INT64, timestamp_ms INT64, the scalars as DOUBLE, the non-zero
// n-gram slots as two lists of one length).
//
//   FeatureParts parts(output, features, "", spill_dir, memory_bytes);   // hdf5 + jsonl.gz
//   for (…) RF_RETURN_IF_ERROR(parts.Add(extractor.Compute(tweet)));
//   RF_RETURN_IF_ERROR(parts.Finish());   // then OutputCommitter::Commit
//
// Local (one rank's parts); not thread-safe. Memory: a 1 MiB JSON buffer, 1024 HDF5 rows, a
// Parquet row group of memory_bytes / 4 (1 to 128 MiB).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "operators/features.h"
#include "runtime/commit.h"
#include "runtime/status.h"

namespace rankflow {

class FeatureParts {
 public:
  // True for the formats below.
  static bool KnownFormat(const std::string& format);

  // Opens this rank's parts in `output` for `format`: "" (hdf5 and jsonl.gz), "hdf5", "jsonl",
  // "jsonl.gz" or "parquet" (KnownFormat; another is a bug). A part that cannot be opened makes
  // status() (and every later call) fail.
  FeatureParts(OutputCommitter& output, const FeatureOptions& features, const std::string& format,
               const std::string& spill_dir, uint64_t memory_bytes);
  ~FeatureParts();
  FeatureParts(const FeatureParts&) = delete;
  FeatureParts& operator=(const FeatureParts&) = delete;

  const Status& status() const { return status_; }
  // Appends one row to every open part; the first error is kept and returned from then on.
  Status Add(const TweetFeatures& f);
  // Finishes every part and reports its rows to the committer. Call once, after the last Add.
  Status Finish();
  uint64_t rows() const { return rows_; }

 private:
  struct Writers;
  OutputCommitter& output_;
  std::unique_ptr<Writers> writers_;
  Status status_;
  uint64_t rows_ = 0;
};

}  // namespace rankflow
