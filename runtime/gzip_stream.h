// Gzip decoding streams behind NewDecodingStream (runtime/line_reader.h): ISA-L igzip by default,
// zlib as the fallback. Both read multi-member files to the last member, verify each member's
// CRC and length, and report a truncated or damaged stream as Corruption (never hang or crash).
// Bytes after the last member that are all zero (tape/block padding) are ignored; anything else
// there is Corruption.
//
// Memory: a fixed 1 MiB input buffer plus the decoder state (ISA-L ~ 200 KiB, zlib ~ 45 KiB),
// whatever the file size. Not thread-safe (one stream per reader).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/fs.h"
#include "runtime/status.h"

namespace rankflow {

enum class GzipBackend { kIsal, kZlib };

// The backend chosen by the environment: RANKFLOW_GZIP=zlib forces zlib, unset or "isal" gives
// ISA-L; any other value is InvalidArgument.
Result<GzipBackend> GzipBackendFromEnv();

// True if `data` starts with the gzip magic bytes 1f 8b.
bool HasGzipMagic(std::string_view data);

// A gzip decoder over `raw`. `head` holds bytes already read from the front of `raw` (the magic
// peeked by the caller); they are decoded before anything more is read.
std::unique_ptr<InputStream> NewGzipInputStream(std::unique_ptr<InputStream> raw, std::string head,
                                                GzipBackend backend);

// Like NewDecodingStream, and says whether the data was gzip.
Status OpenDecodingStream(std::unique_ptr<InputStream> raw, std::unique_ptr<InputStream>* out,
                          bool* is_gzip);

}  // namespace rankflow
