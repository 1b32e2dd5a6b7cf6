// Runs SQL statements in an in-memory DuckDB (npm @duckdb/node-api, one thread) and prints the
// last statement's result as one JSON object on stdout:
//   {"columns": [{"name": …, "type": "BIGINT"}, …], "rows": [[…], …]}
// Values use the API's JSON forms: BIGINT and timestamps as strings, lists as arrays, NULL as
// null, doubles as numbers ("NaN"/"Infinity" as strings). Errors: one line on stderr, exit 1.
// Usage: node duckdb_query.mjs 'SQL' ['SQL' …]     (statements run in order; the last one prints)
//        node duckdb_query.mjs --all 'SQL' …        (one such JSON line per statement, in order)
import { DuckDBInstance } from '@duckdb/node-api';

const all = process.argv[2] === '--all';
const statements = process.argv.slice(all ? 3 : 2);
if (statements.length === 0) {
  process.stderr.write('usage: node duckdb_query.mjs SQL [SQL …]\n');
  process.exit(2);
}
try {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const toJson = (reader) => JSON.stringify({
    columns: reader.columnNames().map((name, i) => ({ name, type: reader.columnType(i).toString() })),
    rows: reader.getRowsJson(),
  });
  let lines = [];
  for (const sql of statements) {
    const reader = await connection.runAndReadAll(sql);
    if (all || sql === statements[statements.length - 1]) lines.push(toJson(reader));
  }
  if (!all) lines = lines.slice(-1);
  process.stdout.write(lines.join('\n') + '\n');
  connection.closeSync();
} catch (e) {
  process.stderr.write(`duckdb: ${e.message.split('\n')[0]}\n`);
  process.exit(1);
}
