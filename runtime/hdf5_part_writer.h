// Hdf5PartWriter: the "hdf5" output format of the jobs. Where RecordWriter writes text records
// (jsonl, jsonl.gz, csv), this writes numeric records as a set of 2-D datasets that grow by one
// row per record (row i of every dataset belongs to record i), through a WritableFile such as an
// OutputCommitter part — so the part stays invisible until the commit, like any other.
//
//   Hdf5PartWriter w(committer.NewPart("h5"),
//                    {{"ids", Hdf5Type::kInt64, 5}, {"coordinates", Hdf5Type::kFloat64, 2}},
//                    ctx.shuffle_options().spill_dir);
//   w.SetAttribute("/", "columns_ids", "id,user_id,…");
//   int64_t ids[5] = {…};  double lonlat[2] = {…};
//   w.AddRow({ids, lonlat});        // per record
//   w.Finish();                     // then committer.SetRecords(part, w.records())
//
// HDF5 writes only to local files: the part is built in a scratch file in the spill folder
// (SpillDirectory(spill_dir): --spill-dir, else $TMPDIR, else /tmp) whose name is removed once
// HDF5 has it open (scratch_file.h), so a killed rank leaves nothing there; Finish copies its
// bytes to the WritableFile. Disk: the
// part's size in the spill folder until the writer is destroyed. Memory: batch_rows rows of
// every dataset. Datasets are chunked (runtime/hdf5_file.h CreateRowsDataset, ~64 KB chunks),
// little-endian, readable by h5py. Not thread-safe; HDF5 itself is not either.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/hdf5_file.h"
#include "runtime/status.h"

namespace rankflow {

struct Hdf5RowDataset {
  std::string name;  // path inside the file, e.g. "ids" or "features/ngrams"
  Hdf5Type type;
  uint64_t columns;  // values per row, >= 1
};

class Hdf5PartWriter {
 public:
  // Creates the scratch file and the (empty) datasets, in the order given. `file` is borrowed and
  // must outlive the writer. A failure here is returned by every later call. batch_rows: rows
  // buffered per dataset before they are appended to the HDF5 file.
  Hdf5PartWriter(WritableFile* file, std::vector<Hdf5RowDataset> datasets,
                 const std::string& spill_dir, uint64_t batch_rows = 4096);
  ~Hdf5PartWriter();
  Hdf5PartWriter(const Hdf5PartWriter&) = delete;
  Hdf5PartWriter& operator=(const Hdf5PartWriter&) = delete;

  // A string attribute on "/" or a dataset (Hdf5File::SetAttribute).
  Status SetAttribute(const std::string& object, const std::string& key, const std::string& value);
  // Appends one record: values[i] points to datasets[i].columns elements of datasets[i].type
  // (int64_t, float or double). InvalidArgument if the count of pointers is wrong. After a
  // failure every call returns it.
  Status AddRow(std::initializer_list<const void*> values);
  // Writes the buffered rows, closes the HDF5 file, appends its bytes to the WritableFile and
  // calls its Finish(). Idempotent once it succeeded.
  Status Finish();

  uint64_t records() const { return records_; }
  const Status& status() const { return status_; }

 private:
  Status Flush();
  WritableFile* file_;
  std::vector<Hdf5RowDataset> datasets_;
  uint64_t batch_rows_;
  std::unique_ptr<Hdf5File> h5_;
  std::vector<std::vector<char>> pending_;  // per dataset, pending_rows_ rows of bytes
  uint64_t pending_rows_ = 0;
  uint64_t records_ = 0;
  Status status_;
  bool finished_ = false;
};

}  // namespace rankflow
