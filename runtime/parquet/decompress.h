// Page decompression of the Parquet reader (Compression.md): UNCOMPRESSED, SNAPPY (raw snappy),
// GZIP (RFC 1952, several members allowed) and ZSTD (one or more frames). LZO, BROTLI, LZ4 and
// LZ4_RAW are InvalidArgument ("compression LZ4_RAW is not supported").
//
// The page header declares the uncompressed size; the caller checks it against its limit before
// calling. Where the compressed stream declares its size too (snappy's preamble, a zstd frame's
// content size), that is compared with the header's before anything is allocated. The output must
// be exactly `uncompressed_size` bytes: fewer or more is Corruption. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/status.h"

namespace rankflow::pq {

// parquet.thrift's CompressionCodec numbers.
const char* CompressionName(int codec);

// Decompresses [data, data + size) with `codec` into *out (resized to uncompressed_size).
Status Decompress(int codec, const uint8_t* data, size_t size, size_t uncompressed_size,
                  std::string* out);

}  // namespace rankflow::pq
