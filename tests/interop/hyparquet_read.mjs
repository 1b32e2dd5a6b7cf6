// Reads a whole Parquet file with hyparquet (npm, a JavaScript implementation independent of
// DuckDB's and ours; codecs from hyparquet-compressors) and prints it as one JSON line in the
// shape duckdb_query.mjs prints: {"columns": [{"name", "type"}], "rows": [[…]]}. Values in the
// same forms as DuckDB's JSON (after epoch_ms for timestamps): INT64 and timestamps (as epoch
// milliseconds) as strings, INT32 and doubles as numbers (NaN/Infinity as strings), booleans,
// strings, lists as arrays, NULL as null. Errors: one line on stderr, exit 1.
// Usage: node hyparquet_read.mjs FILE
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

function value(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return String(v.getTime());
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(value);
  return v;
}

try {
  const file = await asyncBufferFromFile(process.argv[2]);
  const metadata = await parquetMetadataAsync(file);
  // Top-level columns: the root's children, skipping each one's descendants.
  const columns = [];
  const schema = metadata.schema;
  for (let i = 1; i < schema.length;) {
    columns.push({ name: schema[i].name, type: schema[i].type ?? 'GROUP' });
    let skip = 1, open = schema[i].num_children ?? 0;
    while (open > 0) { open += (schema[i + skip].num_children ?? 0) - 1; skip++; }
    i += skip;
  }
  const objects = await parquetReadObjects({ file, compressors });
  const rows = objects.map((o) => columns.map((c) => value(o[c.name])));
  process.stdout.write(JSON.stringify({ columns, rows }) + '\n');
} catch (e) {
  process.stderr.write(`hyparquet: ${String(e.message).split('\n')[0]}\n`);
  process.exit(1);
}
