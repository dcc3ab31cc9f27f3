#!/usr/bin/env bash
# make bench: the page benchmarks (bench/run.py) on SQLite, then on PostgreSQL when the
# server on 127.0.0.1:5432 answers. Seeded databases are reused between runs (bench/data/
# for SQLite, tracker_bench_<size> on PostgreSQL); BENCH_SIZES=10000,100000 narrows the sizes.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
echo "=== bench 1/2: SQLite ==="
$PY -m bench.run "$@"
sqlite_status=$?
pg_status=0
if $PY scripts/testdb.py check 2>/tmp/tracker-pg-check.log; then
  base=${BENCH_PG_BASE_URL:-postgresql://postgres@127.0.0.1:5432}
  echo "=== bench 2/2: PostgreSQL ==="
  $PY -m bench.run --url-template "$base/tracker_bench_{n}" "$@"
  pg_status=$?
else
  echo "=== bench 2/2: PostgreSQL skipped: no PostgreSQL on 127.0.0.1:5432 ($(cat /tmp/tracker-pg-check.log))"
fi
[ $sqlite_status -eq 0 ] && [ $pg_status -eq 0 ]
