#include "runtime/hdf5_part_writer.h"

#include <cstring>

#include "runtime/scratch_file.h"

namespace rankflow {

Hdf5PartWriter::Hdf5PartWriter(WritableFile* file, std::vector<Hdf5RowDataset> datasets,
                               const std::string& spill_dir, uint64_t batch_rows)
    : file_(file),
      datasets_(std::move(datasets)),
      batch_rows_(batch_rows > 0 ? batch_rows : 1),
      pending_(datasets_.size()) {
  RF_CHECK(file_ != nullptr);
  Result<std::unique_ptr<Hdf5File>> h5 = Hdf5File::CreateScratch(SpillDirectory(spill_dir));
  if (!h5.ok()) {
    status_ = h5.status().WithPrefix(file_->path());
    return;
  }
  h5_ = std::move(h5).value();
  for (size_t i = 0; i < datasets_.size() && status_.ok(); ++i) {
    const Hdf5RowDataset& d = datasets_[i];
    status_ = h5_->CreateRowsDataset(d.name, d.type, d.columns);
    pending_[i].reserve(batch_rows_ * d.columns * Hdf5TypeSize(d.type));
  }
}

Hdf5PartWriter::~Hdf5PartWriter() = default;

Status Hdf5PartWriter::SetAttribute(const std::string& object, const std::string& key,
                                    const std::string& value) {
  if (!status_.ok()) return status_;
  if (finished_) return Status::Internal(file_->path() + ": SetAttribute after Finish");
  status_ = h5_->SetAttribute(object, key, value);
  return status_;
}

Status Hdf5PartWriter::AddRow(std::initializer_list<const void*> values) {
  if (!status_.ok()) return status_;
  if (finished_) return Status::Internal(file_->path() + ": write after Finish");
  if (values.size() != datasets_.size()) {
    return Status::InvalidArgument(file_->path() + ": a row needs " +
                                   std::to_string(datasets_.size()) + " datasets' values, got " +
                                   std::to_string(values.size()));
  }
  size_t i = 0;
  for (const void* v : values) {
    const Hdf5RowDataset& d = datasets_[i];
    const char* bytes = static_cast<const char*>(v);
    pending_[i].insert(pending_[i].end(), bytes, bytes + d.columns * Hdf5TypeSize(d.type));
    ++i;
  }
  ++records_;
  return ++pending_rows_ >= batch_rows_ ? Flush() : Status::OK();
}

Status Hdf5PartWriter::Flush() {
  if (pending_rows_ == 0) return Status::OK();
  for (size_t i = 0; i < datasets_.size() && status_.ok(); ++i) {
    status_ =
        h5_->AppendRows(datasets_[i].name, datasets_[i].type, pending_[i].data(), pending_rows_);
    pending_[i].clear();
  }
  pending_rows_ = 0;
  return status_;
}

Status Hdf5PartWriter::Finish() {
  if (!status_.ok() || finished_) return status_;
  status_ = Flush();
  if (status_.ok()) status_ = h5_->Close();
  if (status_.ok()) status_ = h5_->CopyTo(file_);
  if (status_.ok()) status_ = file_->Finish();
  h5_.reset();  // frees the scratch file now rather than with the writer
  finished_ = status_.ok();
  return status_;
}

}  // namespace rankflow
