#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md: release builds, a fresh database per
# backend (SQLite in a temporary directory, a new PostgreSQL database),
# `domovoy serve` on a free 127.0.0.1 port, then `domovoy-load`:
#   intake  — concurrent ticket creates with idempotency keys for a bounded
#             time while a WebSocket client follows the board;
#   board   — the board page with 10,000 open tickets in scope;
#   search  — the search box over 100,000 clients (imported through the
#             billing import first): phones, names with typos, units.
# Usage: load-tests/run.sh [sqlite|postgres|all]   (default all)
# Environment: DOMOVOY_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# INTAKE_SECONDS (20), INTAKE_CONCURRENCY (32), INTAKE_BUILDINGS (1), BOARD_OPEN (10000),
# BOARD_REQUESTS (200), SCENARIOS ("intake board search"), SEARCH_CLIENTS (100000),
# SEARCH_REQUESTS (2000), SEARCH_CONCURRENCY (4).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

which=${1:-all}
pg_admin=${DOMOVOY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
seconds=${INTAKE_SECONDS:-20}
concurrency=${INTAKE_CONCURRENCY:-32}
buildings=${INTAKE_BUILDINGS:-1}
open=${BOARD_OPEN:-10000}
requests=${BOARD_REQUESTS:-200}
scenarios=${SCENARIOS:-intake board search}
password="load-$(date +%s)-secret"

cargo build --release -q -p domovoy -p domovoy-load
bin=${DOMOVOY_BIN:-${CARGO_TARGET_DIR:-target}/release/domovoy}
load=${CARGO_TARGET_DIR:-target}/release/domovoy-load

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

run_backend() {
  local name=$1 url=$2 dir=$3
  local port; port=$(free_port)
  echo "=== $name ($(nproc) cores) ==="
  DOMOVOY_DATABASE_URL=$url "$bin" --data-dir "$dir" migrate >/dev/null
  echo "$password" | DOMOVOY_DATABASE_URL=$url "$bin" --data-dir "$dir" user add loadadmin \
    --name "Нагрузочный тест" --role administrator --password-stdin >/dev/null
  DOMOVOY_DATABASE_URL=$url RUST_LOG=${RUST_LOG:-warn} "$bin" --data-dir "$dir" serve --listen "127.0.0.1:$port" &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
  done
  local common=(--target "http://127.0.0.1:$port" --login loadadmin --password "$password")
  for scenario in $scenarios; do
    case $scenario in
      intake) "$load" "${common[@]}" ${LOAD_FLAGS:-} intake --concurrency "$concurrency" --seconds "$seconds" --buildings "$buildings" ;;
      board) "$load" "${common[@]}" ${LOAD_FLAGS:-} board --open "$open" --requests "$requests" ;;
      search) "$load" "${common[@]}" ${LOAD_FLAGS:-} search --clients "${SEARCH_CLIENTS:-100000}" \
                --requests "${SEARCH_REQUESTS:-2000}" --concurrency "${SEARCH_CONCURRENCY:-4}" ;;
      *) echo "unknown scenario $scenario" >&2; return 1 ;;
    esac
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

# Whatever a run leaves (a failed scenario stops the script) goes at exit.
dirs=()
db=""
cleanup() {
  if [[ ${#dirs[@]} -gt 0 ]]; then rm -rf "${dirs[@]}"; fi
  if [[ -n $db ]]; then psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; fi
}
trap cleanup EXIT

if [[ $which == sqlite || $which == all ]]; then
  dir=$(mktemp -d); dirs+=("$dir")
  run_backend SQLite "sqlite://$dir/domovoy.db" "$dir"
fi
if [[ $which == postgres || $which == all ]]; then
  db="domovoy_load_$(date +%s)"
  psql -q "$pg_admin" -c "CREATE DATABASE $db"
  dir=$(mktemp -d); dirs+=("$dir")
  run_backend PostgreSQL "${PG_SERVER_URL:-${pg_admin%/*}}/$db${PG_URL_OPTIONS:-}" "$dir"
fi
