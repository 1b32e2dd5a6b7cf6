// Hdf5File: a small reader/writer for local HDF5 files (serial HDF5, one file per rank), used for
// numeric outputs that h5py must read: feature matrices, model weights, decision surfaces,
// checkpoints.
//
// Paths inside the file are "/"-separated ("layer_0/weights"); groups on the way are created by
// the writers. Datasets are row-major (C order) with explicit dimensions; h5py reads them as NumPy
// arrays of dtype float32, float64 or int64. Attributes are variable-length UTF-8 strings, which
// h5py returns as str.
//
// HDF5 works on local files only. To put a file on S3 (or any FileSystem path), build it with
// CreateScratch (a file in the spill folder that a kill cannot leave behind) and CopyTo the
// destination; Hdf5PartWriter (hdf5_part_writer.h) does that for part files. To read one,
// FetchToLocalFile first.
//
// Not thread-safe (Debian's serial HDF5 is built without thread safety): use from one thread.
// Every method returns a Status naming the file and the object; HDF5's own error printing to
// stderr is switched off.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/scratch_file.h"
#include "runtime/status.h"

namespace rankflow {

enum class Hdf5Type { kFloat32, kFloat64, kInt64 };

class Hdf5File {
 public:
  // A new file at a local path, replacing any file there. Read-write.
  static Result<std::unique_ptr<Hdf5File>> Create(const std::string& local_path);
  // A new file in local folder `dir` whose name is removed as soon as HDF5 has opened it
  // (ScratchFile, scratch_file.h): a killed process leaves nothing behind. Read it back with
  // CopyTo after Close(); destroying the object frees the storage. IOError if `dir` is missing
  // or not writable.
  static Result<std::unique_ptr<Hdf5File>> CreateScratch(const std::string& dir);
  // An existing local file, read-only. NotFound if absent, Corruption if not HDF5.
  static Result<std::unique_ptr<Hdf5File>> Open(const std::string& local_path);
  // Closes the file if Close() was not called (errors are then ignored: call Close() to see them).
  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  // Flushes and closes. Idempotent. Every other method fails after it.
  Status Close();
  const std::string& path() const { return path_; }
  // After Close(): appends the whole file's bytes to `out` (does not Finish it).
  Status CopyTo(WritableFile* out) const;

  // Creates a group and any missing parents; ok if it exists.
  Status CreateGroup(const std::string& name);
  // True if a group or dataset exists at `name` (every component checked).
  bool Exists(const std::string& name) const;
  // Names of the direct children of a group ("/" for the root), sorted.
  Result<std::vector<std::string>> ListGroup(const std::string& name) const;

  // Writes a whole dataset of prod(dims) elements from `data` (row-major). Creates parent groups.
  // AlreadyExists if the dataset is there. dims may be {} for a scalar.
  Status Write(const std::string& name, Hdf5Type type, const std::vector<uint64_t>& dims,
               const void* data);
  Status WriteFloat32(const std::string& name, const std::vector<uint64_t>& dims,
                      const float* data) {
    return Write(name, Hdf5Type::kFloat32, dims, data);
  }
  Status WriteFloat64(const std::string& name, const std::vector<uint64_t>& dims,
                      const double* data) {
    return Write(name, Hdf5Type::kFloat64, dims, data);
  }
  Status WriteInt64(const std::string& name, const std::vector<uint64_t>& dims,
                    const int64_t* data) {
    return Write(name, Hdf5Type::kInt64, dims, data);
  }

  // A 2-D dataset that grows by rows (chunked, unlimited first dimension): CreateRowsDataset
  // makes it with 0 rows and `cols` columns; AppendRows adds `rows` rows from `data`.
  // chunk_rows: rows per HDF5 chunk (0 picks one near 64 KB).
  Status CreateRowsDataset(const std::string& name, Hdf5Type type, uint64_t cols,
                           uint64_t chunk_rows = 0);
  Status AppendRows(const std::string& name, Hdf5Type type, const void* data, uint64_t rows);

  // Dimensions of a dataset. NotFound if absent.
  Result<std::vector<uint64_t>> Dims(const std::string& name) const;
  // Reads a whole dataset, converting to the requested element type (HDF5 converts between
  // float32/float64/int64). *dims receives its dimensions if not null.
  Status ReadFloat32(const std::string& name, std::vector<float>* out,
                     std::vector<uint64_t>* dims = nullptr) const;
  Status ReadFloat64(const std::string& name, std::vector<double>* out,
                     std::vector<uint64_t>* dims = nullptr) const;
  Status ReadInt64(const std::string& name, std::vector<int64_t>* out,
                   std::vector<uint64_t>* dims = nullptr) const;
  // Reads rows [first_row, first_row + rows) along the first dimension (a rank's shard) into
  // `out`, which is resized to rows * (elements per row). InvalidArgument if out of range.
  Status ReadRows(const std::string& name, Hdf5Type type, uint64_t first_row, uint64_t rows,
                  void* out) const;

  // A string attribute on a group or dataset ("/" for the file). Replaces an existing one.
  Status SetAttribute(const std::string& object, const std::string& key, const std::string& value);
  Result<std::string> GetAttribute(const std::string& object, const std::string& key) const;

 private:
  Hdf5File(std::string path, int64_t file_id) : path_(std::move(path)), file_(file_id) {}
  Status Read(const std::string& name, Hdf5Type type, void* out_vec,
              std::vector<uint64_t>* dims) const;
  Status EnsureParents(const std::string& name);
  std::string Where(const std::string& name) const;

  std::string path_;
  int64_t file_ = -1;                     // hid_t; -1 once closed
  std::unique_ptr<ScratchFile> scratch_;  // CreateScratch only: the storage, freed last
};

// Size in bytes of one element.
size_t Hdf5TypeSize(Hdf5Type type);

// Appends every byte of a local file to `out` (does not Finish/Publish it).
Status CopyLocalFileTo(const std::string& local_path, WritableFile* out);
// Downloads `path` (local or s3://) from `fs` into a new local file at `local_path`.
Status FetchToLocalFile(FileSystem& fs, const std::string& path, const std::string& local_path);

}  // namespace rankflow
