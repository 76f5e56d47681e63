#!/usr/bin/env bash
# The fault suite of RELIABILITY.md in one command: every scenario of its
# «Proven» table, one after another, each against servers of its own; then
# one summary line per scenario (passed or failed, how long it took, and
# for the load tool's runs the operations, lost and duplicated). Exits
# non-zero when any scenario failed; the logs stay in the directory it names.
#
# Usage: load-tests/faults.sh [quick|full]   (default quick)
#   quick  the API suite's fault tests (each asserts lost = 0 and twice = 0
#          and the recovery times) and the load tool's scenarios at the
#          small sizes of `cargo test -p domovoy-load` (9 minutes on the
#          2-core CI machine once built)
#   full   the same tests, the load tool's scenarios at the sizes
#          RELIABILITY.md and BENCHMARKS.md quote (minutes each), and the
#          rolling upgrade (load-tests/upgrade.sh, which builds the previous
#          release first: a quarter of an hour the first time)
# Environment (defaults in brackets):
#   DOMOVOY_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres)
#   DOMOVOY_TEST_REDIS_URL (redis://127.0.0.1:6379)
#   FAULTS_ONLY: a regular expression; only the scenarios whose name matches
#   FAULTS_LOG_DIR (target/faults-<time>): where each scenario's log goes
# Needs what .ci/run installs: PostgreSQL and Redis running, nginx,
# faketime, PostgreSQL's server programs and root (the tests that stop,
# fill or clock a server of their own), Python's aiosmtpd. A test that
# cannot run here says it skipped in its log, and the summary says so.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size=${1:-quick}
case $size in quick | full) ;; *) echo "usage: $0 [quick|full]" >&2; exit 2 ;; esac
export DOMOVOY_TEST_POSTGRES_URL=${DOMOVOY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export DOMOVOY_TEST_REDIS_URL=${DOMOVOY_TEST_REDIS_URL:-redis://127.0.0.1:6379}
export DOMOVOY_TEST_REQUIRE_SMTP=1
pg=(--database-url "$DOMOVOY_TEST_POSTGRES_URL")
logs=${FAULTS_LOG_DIR:-target/faults-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$logs"

# The build `cargo test` makes serves both the tests and the load tool
# (a plain `cargo build` would unify the features differently and rebuild).
echo "building the tests and the load tool (the build of cargo test)…"
cargo test --workspace --no-run -q 2>"$logs/build.log" || { cat "$logs/build.log" >&2; exit 1; }
target=${CARGO_TARGET_DIR:-target}/debug
bin=$target/domovoy
load=$target/domovoy-load
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

summary=()
failed=0

# run NAME COMMAND…: runs one scenario, its output to its log; one line of
# the summary.
run() {
  local name=$1; shift
  if [[ -n ${FAULTS_ONLY:-} && ! $name =~ $FAULTS_ONLY ]]; then return; fi
  local log="$logs/$name.log" started=$SECONDS status=passed figures=""
  echo "--- $name"
  if ! "$@" >"$log" 2>&1; then status=FAILED; failed=$((failed + 1)); fi
  if grep -q "^skipped" "$log"; then status="$status (some skipped: $(grep -c '^skipped' "$log"))"; fi
  # The load tool's last line is its figures as JSON.
  if [[ $1 == "$load" ]]; then
    figures=$(tail -n 1 "$log" | python3 -c '
import json, sys
try:
    f = json.loads(sys.stdin.read())
except ValueError:
    sys.exit()
keys = ["expected", "received", "recipients", "letters", "lost", "duplicates", "errors", "live_missing",
        "live_duplicates", "resent", "back_after_s", "frozen_cut", "redis_restarted"]
print(", ".join(f"{k} {f[k]}" for k in keys if k in f))')
  fi
  summary+=("$(printf '%-34s %-8s %5s s  %s' "$name" "$status" $((SECONDS - started)) "$figures")")
  echo "    $status in $((SECONDS - started)) s ${figures:+($figures)}"
}

# api NAME FILTER…: the API suite's tests matching the filters.
api() {
  local name=$1; shift
  run "$name" cargo test -q -p domovoy --test api -- --nocapture "$@"
}

# The API suite's fault tests, by the failure they prove (RELIABILITY.md).
api node-killed-or-stopped crash::
api node-killed-mid-sync sync::a_batch_survives_a_kill
api outbox-sender-killed outbox::a_node_killed_while_sending
api replies-lost faults::a_reply_lost faults::lost_replies faults::an_arrival_mark surveys::answers_whose_reply_was_lost
api disk-full faults::a_full_disk faults::postgres_out_of_log_space
api postgres-away-or-stopped faults::intake_rides_out faults::a_quiet_postgres_restart
api every-write-through-four-faults every_write::
api database-hangs-readiness ops::readiness_answers_within_a_second
api redis-hangs-and-restarts cluster::events_reach_the_other_node_while_redis_hangs
api server-stands-still faults::connections_made_while faults::an_idle_connection live::a_burst
api slow-clients live::a_client_that_stops_reading crash::a_page_that_stopped_reading
api clock-stepped clock:: report_mail::scheduled_reports sms::a_scheduled_mailing
api backup-under-load backup::

# The load tool's scenarios: small (as `cargo test -p domovoy-load` runs
# them) or at the sizes RELIABILITY.md quotes.
if [[ $size == quick ]]; then
  run load-scenarios cargo test -q -p domovoy-load --test scenarios -- --nocapture
else
  for backend in sqlite postgres; do
    db=(); [[ $backend == postgres ]] && db=("${pg[@]}")
    run "intake-crash-$backend" "$load" intake-crash --spawn --server-bin "$bin" "${db[@]}" --duration 20 --kills 3 --json
    run "reconnect-$backend" "$load" reconnect --spawn --server-bin "$bin" "${db[@]}" --sessions 5000 --json
    run "frozen-clients-$backend" "$load" board --spawn --server-bin "$bin" "${db[@]}" --sessions 200 --frozen 20 \
      --rate 100 --duration 30 --json
    run "mailing-kills-$backend" "$load" mailing --spawn --server-bin "$bin" "${db[@]}" --recipients 10000 --kills 2 \
      --lease-secs 10 --json
  done
  run server-freezes "$load" intake --spawn --server-bin "$bin" --rate 1000 --duration 30 --freezes 4 --freeze-ms 1500 --json
  run redis-hangs-under-load "$load" cluster --spawn --server-bin "$bin" "${pg[@]}" \
    --redis-url "$DOMOVOY_TEST_REDIS_URL" --stall 30 --duration 60 --json
  run redis-restarted-under-load "$load" cluster --spawn --server-bin "$bin" "${pg[@]}" --restart --stall 10 --duration 60 --json
  run rolling-upgrade load-tests/upgrade.sh
fi

echo
echo "=== fault suite ($size, $(nproc) cores, $(date -u +%F)): ${#summary[@]} scenarios, $failed failed; logs in $logs"
printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt"
[[ $failed -eq 0 ]]
