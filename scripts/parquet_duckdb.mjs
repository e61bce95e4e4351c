#!/usr/bin/env node
// Reads a Parquet file with DuckDB (the engine shipped in @duckdb/node-api)
// and prints, as one JSON line, what scripts/check_parquet.sh compares with
// pandas: the row count, the column names, and the row count per value of
// one column.
//
// Usage: node scripts/parquet_duckdb.mjs FILE.parquet GROUP_COLUMN
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { DuckDBInstance } = createRequire(resolve(repoRoot, 'tests/browser/package.json'))('@duckdb/node-api');

const [file, column] = process.argv.slice(2);
if (!file || !column) {
  console.error('usage: parquet_duckdb.mjs FILE.parquet GROUP_COLUMN');
  process.exit(2);
}
const quoted = `'${file.replaceAll("'", "''")}'`;
const conn = await (await DuckDBInstance.create(':memory:')).connect();
const rows = (await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${quoted})`)).getRowObjects();
const cols = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoted})`)).getRowObjects();
const groups = (await conn.runAndReadAll(
  `SELECT "${column}" AS k, count(*) AS n FROM read_parquet(${quoted}) GROUP BY 1 ORDER BY 1`)).getRowObjects();
const counts = {};
for (const g of groups) counts[String(g.k)] = Number(g.n);
console.log(JSON.stringify({ rows: Number(rows[0].n), columns: cols.map((c) => c.column_name), counts }));
