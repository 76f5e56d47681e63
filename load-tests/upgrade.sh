#!/usr/bin/env bash
# The rolling upgrade of RELIABILITY.md: the previous release's binary is
# built from a kept commit, then the API test `upgrade::` runs two nodes of
# it behind the shipped nginx under intake and replaces them one at a time
# by this release (which migrates the database while the other node, still
# the previous release, serves), counting what was lost or doubled.
#
# Usage: load-tests/upgrade.sh [REF]
#   REF: the previous release (a tag or commit). By default the commit
#   before the newest migration was added, so that the upgrade migrates.
# The previous release is built once into target/previous-release/<commit>
# (a worktree and a target directory of its own: a full debug build, about
# 15 minutes the first time) and kept for the next run.
# Environment: DOMOVOY_TEST_POSTGRES_URL, DOMOVOY_TEST_REDIS_URL (defaults
# as in .ci/run); needs nginx and Redis.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

newest=$(find migrations/postgres -name '*.sql' | sort | tail -n 1)
added=$(git log --diff-filter=A --format=%H -n 1 -- "$newest")
ref=${1:-$added^}
commit=$(git rev-parse --verify "$ref^{commit}")
home=target/previous-release/$commit
bin=$home/target/debug/domovoy

if [[ ! -x $bin ]]; then
  echo "building the previous release $(git log -1 --format='%h %ad «%s»' --date=short "$commit" | cut -c1-100)…"
  mkdir -p "$home"
  [[ -d $home/src ]] || git worktree add --detach "$home/src" "$commit" >/dev/null
  (cd "$home/src" && CARGO_TARGET_DIR=../target cargo build -q --bin domovoy)
  git worktree remove --force "$home/src"
fi
echo "previous release: $bin ($(git log -1 --format=%h "$commit")); this release: $(git rev-parse --short HEAD)"

export DOMOVOY_TEST_PREVIOUS_BIN=$PWD/$bin
export DOMOVOY_TEST_POSTGRES_URL=${DOMOVOY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export DOMOVOY_TEST_REDIS_URL=${DOMOVOY_TEST_REDIS_URL:-redis://127.0.0.1:6379}
cargo test -q -p domovoy --test api -- --nocapture upgrade::
