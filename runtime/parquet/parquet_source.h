// ParquetSource: the map side of a job over a folder of Parquet files (ours — a committed rankflow
// folder is read through its manifest, as ListInputs does — or anyone's). Units are row groups;
// ranks claim them with the same UnitClaimer as line inputs; each claimed row group is decoded
// for the requested columns only and handed to the callback in column batches.
//
//   ParquetSource source(mpi, fs, &metrics, &progress);
//   RF_RETURN_IF_ERROR(source.Plan({.src = "/data/tweets", .columns = {"hashtags"}}));  //
//   collective Status s = source.Run([&](const ParquetRowBatch& b) { // collective
//     const ParquetColumnBatch& tags = b.columns[0];
//     for (size_t row = 0; row < b.num_rows; ++row)
//       for (size_t v = tags.ValueBegin(row); v < tags.ValueEnd(row); ++v)
//         shuffle.Add(tags.String(v), one);   // a string_view into the page: no copy, no
//         allocation
//     return Status::OK();
//   });
//
// RunValueCounts instead of Run: the same claiming, each row group's columns counted rather than
// decoded into rows (ParquetFileReader::CountRowGroupValues).
//
// Plan (collective): rank 0 lists src (ListInputs: files matching name_regex, by default
// "\.parquet$"), then every rank reads the footers of every size-th file and the row groups are
// gathered on all ranks: one unit per non-empty row group, its byte range in the file (so units
// are dealt by their stored bytes). A file that is not Parquet or has a corrupt footer fails the
// plan on every rank with Corruption naming the file; a missing column InvalidArgument naming the
// file and the column. Run (collective): claims units, reads the requested columns' chunks of the
// row group (one ranged read each), decodes them in batches of batch_rows rows. A decode error or
// a callback error stops this rank; the others finish their units, and every rank returns the
// lowest failing rank's error (AgreeOnStatus).
//
// Metrics: records_in (rows), units_in (row groups), files_in (files whose first planned row group
// this rank read), stored_bytes_in (the requested chunks' bytes as stored), bytes_in (their
// uncompressed bytes). Memory per rank: the requested chunks of one row group as stored, one
// decompressed page per column, the batch, and the footers of the files this rank opened.
// Not thread-safe; the callback runs on the calling thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/fs.h"
#include "runtime/input.h"
#include "runtime/metrics.h"
#include "runtime/mpi_context.h"
#include "runtime/parquet/parquet_reader.h"
#include "runtime/progress.h"
#include "runtime/status.h"

namespace rankflow {

struct ParquetSourceOptions {
  std::string src;
  std::string name_regex = "\\.parquet$";  // on the base name
  std::vector<std::string> columns;        // as ParquetFileReader::ResolveColumns; empty = all
  size_t batch_rows = 65536;
  ParquetReadLimits limits;
};

class ParquetSource {
 public:
  // Borrows everything; progress may be null.
  ParquetSource(const MpiContext& mpi, FileSystem& fs, Metrics* metrics, Progress* progress);
  ~ParquetSource();

  // Collective. The same status on every rank; no input file is InvalidArgument
  // ("no input files in SRC matching RE").
  Status Plan(const ParquetSourceOptions& options);
  // One unit per row group (file_index, byte range of its column chunks).
  const InputPlan& plan() const { return plan_; }
  int64_t total_rows() const { return total_rows_; }

  // Collective, after Plan: fn over every batch of the row groups this rank claims, then agrees.
  Status Run(const ParquetBatchFn& fn);
  // Collective, after Plan: as Run, but each claimed row group's requested columns are counted
  // instead of read as rows (ParquetFileReader::CountRowGroupValues): fn once per row group and
  // column. For counting values (top_terms over a dictionary-encoded column); the same metrics.
  Status RunValueCounts(const ParquetValueCountFn& fn);

  const ProgressFigures& local_figures() const { return figures_; }

 private:
  Status OpenFile(size_t file_index, ParquetFileReader** out);
  // Reads one claimed row group's columns `cols` (Run's or RunValueCounts' way).
  using UnitReadFn =
      std::function<Status(ParquetFileReader& reader, int row_group, const std::vector<int>& cols)>;
  Status RunUnits(const UnitReadFn& read);
  Status RunUnit(const InputUnit& unit, const UnitReadFn& read);
  void CountRows(uint64_t rows);  // records_in and progress

  const MpiContext& mpi_;
  FileSystem& fs_;
  Metrics* metrics_;
  Progress* progress_;
  ParquetSourceOptions options_;
  InputPlan plan_;
  int64_t total_rows_ = 0;
  bool planned_ = false;
  // (file index, unit begin) -> row group index
  std::map<std::pair<size_t, uint64_t>, int> row_group_of_;
  std::map<size_t, std::unique_ptr<ParquetFileReader>> open_;  // footers this rank has read
  ProgressFigures figures_;
};

}  // namespace rankflow
