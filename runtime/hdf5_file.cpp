#include "runtime/hdf5_file.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace rankflow {
namespace {

// HDF5 prints its error stack to stderr by default; errors here become Status values instead.
void SilenceHdf5() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

hid_t MemType(Hdf5Type type) {
  switch (type) {
    case Hdf5Type::kFloat32:
      return H5T_NATIVE_FLOAT;
    case Hdf5Type::kFloat64:
      return H5T_NATIVE_DOUBLE;
    case Hdf5Type::kInt64:
      return H5T_NATIVE_INT64;
  }
  return H5T_NATIVE_FLOAT;
}

// Little-endian file types, so files are the same on every machine.
hid_t FileType(Hdf5Type type) {
  switch (type) {
    case Hdf5Type::kFloat32:
      return H5T_IEEE_F32LE;
    case Hdf5Type::kFloat64:
      return H5T_IEEE_F64LE;
    case Hdf5Type::kInt64:
      return H5T_STD_I64LE;
  }
  return H5T_IEEE_F32LE;
}

// Closes an HDF5 handle on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::vector<std::string> SplitPath(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string::npos) slash = name.size();
    if (slash > start) parts.push_back(name.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

uint64_t Product(const std::vector<uint64_t>& dims) {
  uint64_t n = 1;
  for (uint64_t d : dims) n *= d;
  return n;
}

std::vector<uint64_t> DatasetDims(hid_t dset) {
  Handle space(H5Dget_space(dset), H5Sclose);
  if (!space.ok()) return {};
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank <= 0) return {};
  std::vector<hsize_t> d(rank);
  H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
  return std::vector<uint64_t>(d.begin(), d.end());
}

}  // namespace

size_t Hdf5TypeSize(Hdf5Type type) { return type == Hdf5Type::kFloat32 ? 4 : 8; }

Result<std::unique_ptr<Hdf5File>> Hdf5File::Create(const std::string& local_path) {
  SilenceHdf5();
  hid_t id = H5Fcreate(local_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) return Status::IOError(local_path + ": cannot create hdf5 file");
  return std::unique_ptr<Hdf5File>(new Hdf5File(local_path, id));
}

Result<std::unique_ptr<Hdf5File>> Hdf5File::CreateScratch(const std::string& dir) {
  Result<ScratchFile> scratch = ScratchFile::Create(dir);
  if (!scratch.ok()) return scratch.status();
  auto owned = std::make_unique<ScratchFile>(std::move(scratch).value());
  Result<std::unique_ptr<Hdf5File>> file = Create(owned->name());
  if (!file.ok()) return file.status();
  // HDF5 keeps its own descriptor: from here on the file needs no name.
  RF_RETURN_IF_ERROR(owned->Unlink());
  (*file)->scratch_ = std::move(owned);
  return file;
}

Result<std::unique_ptr<Hdf5File>> Hdf5File::Open(const std::string& local_path) {
  SilenceHdf5();
  std::ifstream probe(local_path, std::ios::binary);
  if (!probe) return Status::NotFound(local_path + ": no such file");
  if (H5Fis_hdf5(local_path.c_str()) <= 0) {
    return Status::Corruption(local_path + ": not an hdf5 file");
  }
  hid_t id = H5Fopen(local_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) return Status::IOError(local_path + ": cannot open hdf5 file");
  return std::unique_ptr<Hdf5File>(new Hdf5File(local_path, id));
}

Hdf5File::~Hdf5File() { (void)Close(); }

Status Hdf5File::Close() {
  if (file_ < 0) return Status::OK();
  hid_t id = file_;
  file_ = -1;
  if (H5Fclose(id) < 0) return Status::IOError(path_ + ": closing hdf5 file failed");
  return Status::OK();
}

Status Hdf5File::CopyTo(WritableFile* out) const {
  if (file_ >= 0) return Status::Internal(path_ + ": CopyTo before Close");
  return CopyLocalFileTo(scratch_ != nullptr ? scratch_->path() : path_, out);
}

std::string Hdf5File::Where(const std::string& name) const { return path_ + ":" + name; }

bool Hdf5File::Exists(const std::string& name) const {
  if (file_ < 0) return false;
  std::string prefix;
  for (const std::string& part : SplitPath(name)) {
    prefix += "/" + part;
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

Status Hdf5File::CreateGroup(const std::string& name) {
  if (file_ < 0) return Status::IOError(Where(name) + ": file is closed");
  std::string prefix;
  for (const std::string& part : SplitPath(name)) {
    prefix += "/" + part;
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) > 0) continue;
    Handle g(H5Gcreate2(file_, prefix.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.ok()) return Status::IOError(Where(prefix) + ": cannot create group");
  }
  return Status::OK();
}

Status Hdf5File::EnsureParents(const std::string& name) {
  size_t slash = name.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return Status::OK();
  return CreateGroup(name.substr(0, slash));
}

Result<std::vector<std::string>> Hdf5File::ListGroup(const std::string& name) const {
  if (file_ < 0) return Status::IOError(Where(name) + ": file is closed");
  if (name != "/" && !name.empty() && !Exists(name)) {
    return Status::NotFound(Where(name) + ": no such group");
  }
  Handle g(H5Gopen2(file_, name.empty() ? "/" : name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) return Status::InvalidArgument(Where(name) + ": not a group");
  H5G_info_t info;
  if (H5Gget_info(g.get(), &info) < 0) return Status::IOError(Where(name) + ": H5Gget_info failed");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len =
        H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) return Status::IOError(Where(name) + ": cannot read link name");
    std::string child(static_cast<size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, child.data(), child.size(),
                       H5P_DEFAULT);
    child.resize(static_cast<size_t>(len));
    names.push_back(std::move(child));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status Hdf5File::Write(const std::string& name, Hdf5Type type, const std::vector<uint64_t>& dims,
                       const void* data) {
  if (file_ < 0) return Status::IOError(Where(name) + ": file is closed");
  if (Exists(name)) return Status::AlreadyExists(Where(name) + ": dataset exists");
  RF_RETURN_IF_ERROR(EnsureParents(name));
  std::vector<hsize_t> d(dims.begin(), dims.end());
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr),
               H5Sclose);
  if (!space.ok()) return Status::InvalidArgument(Where(name) + ": bad dimensions");
  Handle dset(H5Dcreate2(file_, name.c_str(), FileType(type), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT),
              H5Dclose);
  if (!dset.ok()) return Status::IOError(Where(name) + ": cannot create dataset");
  if (Product(dims) > 0 &&
      H5Dwrite(dset.get(), MemType(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    return Status::IOError(Where(name) + ": writing dataset failed");
  }
  return Status::OK();
}

Status Hdf5File::CreateRowsDataset(const std::string& name, Hdf5Type type, uint64_t cols,
                                   uint64_t chunk_rows) {
  if (file_ < 0) return Status::IOError(Where(name) + ": file is closed");
  if (cols == 0) return Status::InvalidArgument(Where(name) + ": a rows dataset needs columns");
  if (Exists(name)) return Status::AlreadyExists(Where(name) + ": dataset exists");
  RF_RETURN_IF_ERROR(EnsureParents(name));
  if (chunk_rows == 0) {
    chunk_rows = std::max<uint64_t>(1, (64 * 1024) / (cols * Hdf5TypeSize(type)));
  }
  hsize_t dims[2] = {0, cols};
  hsize_t max_dims[2] = {H5S_UNLIMITED, cols};
  hsize_t chunk[2] = {chunk_rows, cols};
  Handle space(H5Screate_simple(2, dims, max_dims), H5Sclose);
  Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (!space.ok() || !props.ok() || H5Pset_chunk(props.get(), 2, chunk) < 0) {
    return Status::Internal(Where(name) + ": cannot set up chunked dataset");
  }
  Handle dset(H5Dcreate2(file_, name.c_str(), FileType(type), space.get(), H5P_DEFAULT, props.get(),
                         H5P_DEFAULT),
              H5Dclose);
  if (!dset.ok()) return Status::IOError(Where(name) + ": cannot create dataset");
  return Status::OK();
}

Status Hdf5File::AppendRows(const std::string& name, Hdf5Type type, const void* data,
                            uint64_t rows) {
  if (file_ < 0) return Status::IOError(Where(name) + ": file is closed");
  Handle dset(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dset.ok()) return Status::NotFound(Where(name) + ": no such dataset");
  std::vector<uint64_t> dims = DatasetDims(dset.get());
  if (dims.size() != 2) return Status::InvalidArgument(Where(name) + ": not a 2-d rows dataset");
  if (rows == 0) return Status::OK();
  hsize_t new_dims[2] = {dims[0] + rows, dims[1]};
  if (H5Dset_extent(dset.get(), new_dims) < 0) {
    return Status::InvalidArgument(Where(name) +
                                   ": cannot extend (not created by "
                                   "CreateRowsDataset?)");
  }
  Handle file_space(H5Dget_space(dset.get()), H5Sclose);
  hsize_t start[2] = {dims[0], 0};
  hsize_t count[2] = {rows, dims[1]};
  Handle mem_space(H5Screate_simple(2, count, nullptr), H5Sclose);
  if (!file_space.ok() || !mem_space.ok() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0) {
    return Status::Internal(Where(name) + ": cannot select rows");
  }
  if (H5Dwrite(dset.get(), MemType(type), mem_space.get(), file_space.get(), H5P_DEFAULT, data) <
      0) {
    return Status::IOError(Where(name) + ": appending rows failed");
  }
  return Status::OK();
}

Result<std::vector<uint64_t>> Hdf5File::Dims(const std::string& name) const {
  if (file_ < 0) return Status::IOError(Where(name) + ": file is closed");
  if (!Exists(name)) return Status::NotFound(Where(name) + ": no such dataset");
  Handle dset(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dset.ok()) return Status::InvalidArgument(Where(name) + ": not a dataset");
  return DatasetDims(dset.get());
}

Status Hdf5File::Read(const std::string& name, Hdf5Type type, void* out_vec,
                      std::vector<uint64_t>* dims_out) const {
  Result<std::vector<uint64_t>> dims = Dims(name);
  if (!dims.ok()) return dims.status();
  uint64_t n = Product(*dims);
  void* buf = nullptr;
  switch (type) {
    case Hdf5Type::kFloat32: {
      auto* v = static_cast<std::vector<float>*>(out_vec);
      v->resize(n);
      buf = v->data();
      break;
    }
    case Hdf5Type::kFloat64: {
      auto* v = static_cast<std::vector<double>*>(out_vec);
      v->resize(n);
      buf = v->data();
      break;
    }
    case Hdf5Type::kInt64: {
      auto* v = static_cast<std::vector<int64_t>*>(out_vec);
      v->resize(n);
      buf = v->data();
      break;
    }
  }
  if (dims_out != nullptr) *dims_out = *dims;
  if (n == 0) return Status::OK();
  Handle dset(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dset.ok() || H5Dread(dset.get(), MemType(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
    return Status::Corruption(Where(name) + ": reading dataset failed");
  }
  return Status::OK();
}

Status Hdf5File::ReadFloat32(const std::string& name, std::vector<float>* out,
                             std::vector<uint64_t>* dims) const {
  return Read(name, Hdf5Type::kFloat32, out, dims);
}
Status Hdf5File::ReadFloat64(const std::string& name, std::vector<double>* out,
                             std::vector<uint64_t>* dims) const {
  return Read(name, Hdf5Type::kFloat64, out, dims);
}
Status Hdf5File::ReadInt64(const std::string& name, std::vector<int64_t>* out,
                           std::vector<uint64_t>* dims) const {
  return Read(name, Hdf5Type::kInt64, out, dims);
}

Status Hdf5File::ReadRows(const std::string& name, Hdf5Type type, uint64_t first_row, uint64_t rows,
                          void* out) const {
  Result<std::vector<uint64_t>> dims = Dims(name);
  if (!dims.ok()) return dims.status();
  if (dims->empty() || first_row + rows > (*dims)[0]) {
    return Status::InvalidArgument(Where(name) + ": rows [" + std::to_string(first_row) + ", " +
                                   std::to_string(first_row + rows) + ") out of range");
  }
  if (rows == 0) return Status::OK();
  std::vector<hsize_t> start(dims->size(), 0), count(dims->begin(), dims->end());
  start[0] = first_row;
  count[0] = rows;
  Handle dset(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle file_space(dset.ok() ? H5Dget_space(dset.get()) : -1, H5Sclose);
  Handle mem_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                   H5Sclose);
  if (!file_space.ok() || !mem_space.ok() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                          nullptr) < 0) {
    return Status::Internal(Where(name) + ": cannot select rows");
  }
  if (H5Dread(dset.get(), MemType(type), mem_space.get(), file_space.get(), H5P_DEFAULT, out) < 0) {
    return Status::Corruption(Where(name) + ": reading rows failed");
  }
  return Status::OK();
}

Status Hdf5File::SetAttribute(const std::string& object, const std::string& key,
                              const std::string& value) {
  if (file_ < 0) return Status::IOError(Where(object) + ": file is closed");
  const std::string obj = object.empty() ? "/" : object;
  if (obj != "/" && !Exists(obj)) return Status::NotFound(Where(obj) + ": no such object");
  if (H5Aexists_by_name(file_, obj.c_str(), key.c_str(), H5P_DEFAULT) > 0) {
    H5Adelete_by_name(file_, obj.c_str(), key.c_str(), H5P_DEFAULT);
  }
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.ok() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0) {
    return Status::Internal(Where(obj) + ": cannot make string type");
  }
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate_by_name(file_, obj.c_str(), key.c_str(), type.get(), space.get(),
                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (!attr.ok()) return Status::IOError(Where(obj) + ": cannot create attribute " + key);
  const char* ptr = value.c_str();
  if (H5Awrite(attr.get(), type.get(), &ptr) < 0) {
    return Status::IOError(Where(obj) + ": cannot write attribute " + key);
  }
  return Status::OK();
}

Result<std::string> Hdf5File::GetAttribute(const std::string& object,
                                           const std::string& key) const {
  if (file_ < 0) return Status::IOError(Where(object) + ": file is closed");
  const std::string obj = object.empty() ? "/" : object;
  if (obj != "/" && !Exists(obj)) return Status::NotFound(Where(obj) + ": no such object");
  if (H5Aexists_by_name(file_, obj.c_str(), key.c_str(), H5P_DEFAULT) <= 0) {
    return Status::NotFound(Where(obj) + ": no attribute " + key);
  }
  Handle attr(H5Aopen_by_name(file_, obj.c_str(), key.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  Handle file_type(attr.ok() ? H5Aget_type(attr.get()) : -1, H5Tclose);
  if (!file_type.ok() || H5Tget_class(file_type.get()) != H5T_STRING) {
    return Status::InvalidArgument(Where(obj) + ": attribute " + key + " is not a string");
  }
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Handle mem_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem_type.get(), H5T_VARIABLE);
    H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get()));
    char* ptr = nullptr;
    if (H5Aread(attr.get(), mem_type.get(), &ptr) < 0) {
      return Status::Corruption(Where(obj) + ": cannot read attribute " + key);
    }
    std::string value = ptr != nullptr ? std::string(ptr) : std::string();
    H5Dvlen_reclaim(mem_type.get(), space.get(), H5P_DEFAULT, &ptr);
    return value;
  }
  size_t size = H5Tget_size(file_type.get());
  std::string value(size, '\0');
  if (H5Aread(attr.get(), file_type.get(), value.data()) < 0) {
    return Status::Corruption(Where(obj) + ": cannot read attribute " + key);
  }
  value.resize(std::strlen(value.c_str()));
  return value;
}

Status CopyLocalFileTo(const std::string& local_path, WritableFile* out) {
  std::FILE* f = std::fopen(local_path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound(local_path + ": cannot open for reading");
  std::vector<char> buf(1 << 20);
  Status st;
  while (st.ok()) {
    size_t got = std::fread(buf.data(), 1, buf.size(), f);
    if (got == 0) {
      if (std::ferror(f)) st = Status::IOError(local_path + ": read failed");
      break;
    }
    st = out->Append(std::string_view(buf.data(), got));
  }
  std::fclose(f);
  return st;
}

Status FetchToLocalFile(FileSystem& fs, const std::string& path, const std::string& local_path) {
  std::unique_ptr<InputStream> in;
  RF_RETURN_IF_ERROR(fs.OpenRead(path, 0, FileSystem::kToEnd, &in));
  std::FILE* f = std::fopen(local_path.c_str(), "wb");
  if (f == nullptr) return Status::IOError(local_path + ": cannot open for writing");
  std::vector<char> buf(1 << 20);
  Status st;
  while (true) {
    size_t got = 0;
    st = in->Read(buf.data(), buf.size(), &got);
    if (!st.ok() || got == 0) break;
    if (std::fwrite(buf.data(), 1, got, f) != got) {
      st = Status::IOError(local_path + ": write failed");
      break;
    }
  }
  if (std::fclose(f) != 0 && st.ok()) st = Status::IOError(local_path + ": close failed");
  if (!st.ok()) std::remove(local_path.c_str());
  return st;
}

}  // namespace rankflow
