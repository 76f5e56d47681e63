#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md: release builds, then each scenario of
# `domovoy-load` against a fresh server of its own (`--spawn`): SQLite in a
# temporary directory, or a new PostgreSQL database (dropped after).
# Usage: load-tests/run.sh [sqlite|postgres|all]   (default all)
# Environment (defaults in brackets):
#   SCENARIOS ("idle board fanout intake intake-crash reconnect cluster board-page search sync"; cluster on PostgreSQL only)
#   DOMOVOY_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres): where test databases are made
#   IDLE_SESSIONS (2000)  BOARD_SESSIONS (500)  BOARD_RATE (10)  BOARD_SECONDS (120)
#   FANOUT_SESSIONS (1000)  FANOUT_STEP_SECONDS (10)  RECONNECT_SESSIONS (5000)
#   INTAKE_SECONDS (20)  INTAKE_CONCURRENCY (32)  INTAKE_BUILDINGS (1)  INTAKE_RATE (closed loop when unset)
#   CRASH_SECONDS (20)  CRASH_KILLS (3)  CLUSTER_SESSIONS (200)  CLUSTER_RATE (20)  CLUSTER_SECONDS (30)
#   DOMOVOY_TEST_REDIS_URL (redis://127.0.0.1:6379): the Redis of cluster (paused 2 s during the run)
#   BOARD_OPEN (10000)  BOARD_REQUESTS (200)
#   SEARCH_CLIENTS (100000)  SEARCH_REQUESTS (2000)  SEARCH_CONCURRENCY (4)
#   DOMOVOY_BIN (the release build): the server binary to measure
#   LOAD_FLAGS (--json): more flags for every run
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

which=${1:-all}
pg_admin=${DOMOVOY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
scenarios=${SCENARIOS:-idle board fanout intake intake-crash reconnect cluster board-page search sync}

cargo build --release -q -p domovoy -p domovoy-load
target=${CARGO_TARGET_DIR:-target}/release
bin=${DOMOVOY_BIN:-$target/domovoy}
load=$target/domovoy-load

# Thousands of sessions need as many sockets on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

run_backend() {
  local name=$1; shift
  local backend=("$@")
  echo "=== $name ($(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%F)) ==="
  for scenario in $scenarios; do
    local args=()
    case $scenario in
      idle) args=(--sessions "${IDLE_SESSIONS:-2000}" --baseline) ;;
      board) args=(--sessions "${BOARD_SESSIONS:-500}" --rate "${BOARD_RATE:-10}" --duration "${BOARD_SECONDS:-120}") ;;
      fanout) args=(--sessions "${FANOUT_SESSIONS:-1000}" --duration "${FANOUT_STEP_SECONDS:-10}" --baseline) ;;
      intake)
        args=(--duration "${INTAKE_SECONDS:-20}" --concurrency "${INTAKE_CONCURRENCY:-32}"
              --buildings "${INTAKE_BUILDINGS:-1}" --baseline)
        if [[ -n ${INTAKE_RATE:-} ]]; then args+=(--rate "$INTAKE_RATE"); fi ;;
      intake-crash) args=(--duration "${CRASH_SECONDS:-20}" --kills "${CRASH_KILLS:-3}") ;;
      reconnect) args=(--sessions "${RECONNECT_SESSIONS:-5000}") ;;
      cluster)
        if [[ $name != PostgreSQL ]]; then echo "--- cluster: several nodes need PostgreSQL, skipped on $name"; continue; fi
        args=(--sessions "${CLUSTER_SESSIONS:-200}" --rate "${CLUSTER_RATE:-20}" --duration "${CLUSTER_SECONDS:-30}"
              --redis-url "${DOMOVOY_TEST_REDIS_URL:-redis://127.0.0.1:6379}") ;;
      board-page) args=(--open "${BOARD_OPEN:-10000}" --requests "${BOARD_REQUESTS:-200}") ;;
      search) args=(--clients "${SEARCH_CLIENTS:-100000}" --requests "${SEARCH_REQUESTS:-2000}"
                    --concurrency "${SEARCH_CONCURRENCY:-4}") ;;
      sync) args=(--devices "${SYNC_DEVICES:-200}" --mutations "${SYNC_MUTATIONS:-50}" --tickets "${SYNC_TICKETS:-200}") ;;
      *) echo "unknown scenario $scenario" >&2; return 1 ;;
    esac
    echo "--- $scenario"
    "$load" "$scenario" --spawn --server-bin "$bin" "${backend[@]}" "${args[@]}" ${LOAD_FLAGS:---json}
  done
}

if [[ $which == sqlite || $which == all ]]; then
  run_backend SQLite
fi
if [[ $which == postgres || $which == all ]]; then
  run_backend PostgreSQL --database-url "$pg_admin"
fi
