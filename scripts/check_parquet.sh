#!/usr/bin/env bash
# Checks that a Parquet file written by the kit reads the same in DuckDB and
# in pandas/pyarrow: same row count, same columns, same counts per value of
# GROUP_COLUMN. With EXPECT_ROWS set, the row count must also equal it.
#
# Usage: scripts/check_parquet.sh FILE.parquet GROUP_COLUMN
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
file="$1" column="$2"
duck=$(node "$root/scripts/parquet_duckdb.mjs" "$file" "$column")
pandas=$("$root/.venv/bin/python" - "$file" "$column" <<'PY'
import json, sys
import pandas as pd
df = pd.read_parquet(sys.argv[1])
counts = {str(k): int(v) for k, v in sorted(df[sys.argv[2]].value_counts().items())}
print(json.dumps({"rows": len(df), "columns": list(df.columns), "counts": counts}, separators=(",", ":")))
PY
)
"$root/.venv/bin/python" - "$duck" "$pandas" "${EXPECT_ROWS:-}" "$file" <<'PY'
import json, sys
duck, pandas, expect, name = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
problems = []
for key in ("rows", "columns", "counts"):
    if duck[key] != pandas[key]:
        problems.append(f"{key}: duckdb {duck[key]} != pandas {pandas[key]}")
if expect and duck["rows"] != int(expect):
    problems.append(f"rows: {duck['rows']} != expected {expect}")
if problems:
    sys.exit(f"check_parquet: {name}: " + "; ".join(problems))
print(f"check_parquet: {name}: {duck['rows']} rows, {len(duck['columns'])} columns, same in DuckDB and pandas: {duck['counts']}")
PY
