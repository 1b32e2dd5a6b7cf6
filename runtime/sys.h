// Small wrappers over the C library that several layers need once each (rankflow_base).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rankflow {

// strerror(err) with its first letter lowercased (messages here are lowercase):
// "no such file or directory".
std::string ErrnoText(int err);

// The whole file at path into *out; false (and *out untouched) if it cannot be opened or read.
bool ReadWholeFile(const std::string& path, std::string* out);

// A non-negative decimal integer from the environment; nullopt when the variable is unset, empty,
// negative, out of range or not a number.
std::optional<int64_t> EnvInt(const char* name);

// The one temp-path helper: the folder for every spill, scratch and temporary file of the project,
// `configured` (a job's --spill-dir) if not empty, else $TMPDIR if set and not empty, else "/tmp".
// Here in the base layer so that provision, which sees no runtime, uses it too; the files in it
// are made by runtime/scratch_file.h (ScratchFile, ScratchFolder).
std::string SpillDirectory(const std::string& configured);

}  // namespace rankflow
