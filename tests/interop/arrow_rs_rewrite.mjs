// Rewrites a Parquet file with a second real writer: arrow-rs, the Rust Parquet implementation
// (npm parquet-wasm, compiled to WebAssembly), so rankflow's reader meets pages that DuckDB never
// writes: data pages v2 (DuckDB 1.5 writes v1 pages even with PARQUET_VERSION v2) and the
// encodings chosen per column. The rows are read and written unchanged.
// Usage: node arrow_rs_rewrite.mjs IN OUT VARIANT, VARIANT one of
//   v1        arrow-rs defaults: pages v1, dictionaries, snappy
//   v2        pages v2, dictionaries, snappy
//   v2_delta  pages v2, no dictionaries; DELTA_BINARY_PACKED for id/i32, DELTA_BYTE_ARRAY for s,
//             DELTA_LENGTH_BYTE_ARRAY for low, BYTE_STREAM_SPLIT for d and f; snappy
//   v2_zstd   pages v2, dictionaries, zstd
// Errors: one line on stderr, exit 1.
import { readFileSync, writeFileSync } from 'node:fs';
import * as pw from 'parquet-wasm/node';

try {
  const [input, output, variant] = process.argv.slice(2);
  const table = pw.readParquet(new Uint8Array(readFileSync(input)));
  let b = new pw.WriterPropertiesBuilder().setCompression(
    variant === 'v2_zstd' ? pw.Compression.ZSTD : pw.Compression.SNAPPY);
  if (variant !== 'v1') b = b.setWriterVersion(pw.WriterVersion.V2);
  if (variant === 'v2_delta') {
    b = b.setDictionaryEnabled(false)
      .setColumnEncoding('id', pw.Encoding.DELTA_BINARY_PACKED)
      .setColumnEncoding('i32', pw.Encoding.DELTA_BINARY_PACKED)
      .setColumnEncoding('s', pw.Encoding.DELTA_BYTE_ARRAY)
      .setColumnEncoding('low', pw.Encoding.DELTA_LENGTH_BYTE_ARRAY)
      .setColumnEncoding('d', pw.Encoding.BYTE_STREAM_SPLIT)
      .setColumnEncoding('f', pw.Encoding.BYTE_STREAM_SPLIT);
  } else if (!['v1', 'v2', 'v2_zstd'].includes(variant)) {
    throw new Error(`unknown variant ${variant}`);
  }
  writeFileSync(output, pw.writeParquet(table, b.build()));
} catch (e) {
  process.stderr.write(`arrow_rs_rewrite.mjs: ${e.message ?? e}\n`);
  process.exit(1);
}
