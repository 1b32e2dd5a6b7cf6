#include "operators/ml/output_files.h"

#include "runtime/json_string.h"
#include "runtime/manifest.h"
#include "runtime/metrics.h"

namespace rankflow::ml {

Status WriteOutputFile(OutputCommitter& out, const std::string& name, std::string_view bytes,
                       uint64_t records) {
  WritableFile* f = out.NewFile(name);
  RF_RETURN_IF_ERROR(f->Append(bytes));
  RF_RETURN_IF_ERROR(f->Finish());
  out.SetRecords(f, records);
  return Status::OK();
}

Status WriteOutputHdf5(OutputCommitter& out, const std::string& name, const Hdf5File& h5,
                       uint64_t records) {
  WritableFile* f = out.NewFile(name);
  RF_RETURN_IF_ERROR(h5.CopyTo(f));
  RF_RETURN_IF_ERROR(f->Finish());
  out.SetRecords(f, records);
  return Status::OK();
}

Result<std::string> FindCommittedFile(FileSystem& fs, const std::string& dir,
                                      const std::string& name) {
  std::string folder = dir;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  const std::string marker = FileSystem::Join(folder, kManifestName);
  std::string json;
  Status read = fs.ReadSmallFile(marker, &json);
  if (read.code() == StatusCode::kNotFound) {
    return Status::NotFound(marker + ": not found; " + folder +
                            " is not a committed rankflow output");
  }
  RF_RETURN_IF_ERROR(read);
  Manifest manifest;
  RF_RETURN_IF_ERROR(ParseManifest(folder, json, &manifest));
  const ManifestFile* file = manifest.Find(name);
  if (file == nullptr) return Status::NotFound(marker + ": lists no file named " + name);
  return FileSystem::Join(folder, file->file);
}

std::string JsonQuoted(const std::string& text) {
  std::string quoted;
  AppendJsonString(&quoted, text);  // one escaper for every manifest (invalid UTF-8 -> U+FFFD)
  return quoted;
}

}  // namespace rankflow::ml
