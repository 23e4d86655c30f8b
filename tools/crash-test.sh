#!/usr/bin/env bash
# Crash safety: kills `strata import` with SIGKILL at random moments, then checks that the store
# opens, `strata verify` passes, the head is a block boundary, and a re-run finishes the file
# with the same final root, and the same entries in every table (history included), as an
# uninterrupted import. The imports use group commit (several
# blocks per write transaction; COMMIT_EVERY=N sets `--commit-every`, default the import's) with
# a time bound of COMMIT_SECONDS (default 0.5) so that a kill lands inside open groups.
# Usage: tools/crash-test.sh [ROUNDS] [CHAIN_DIR]   (CHAIN_DIR holds genesis.json and blocks.rlp)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
chain=${2:-../shared/corpus/mixed-c0.05-30Mgas-10b-wd}
strata=${STRATA_BIN:-.build/release/strata}
group=(--commit-seconds "${COMMIT_SECONDS:-0.5}")
if [ -n "${COMMIT_EVERY:-}" ]; then group+=(--commit-every "$COMMIT_EVERY"); fi
if [ ! -f "$chain/blocks.rlp" ]; then
  echo "crash-test: $chain not found; using the devnet chain"
  mkdir -p .build/devnet-chain
  cp genesis/devnet.json .build/devnet-chain/genesis.json
  cp data/devnet.rlp .build/devnet-chain/blocks.rlp
  chain=.build/devnet-chain
fi
work=$(mktemp -d /tmp/strata-crash.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Reference: one uninterrupted import.
$strata init --datadir "$work/ref" "$chain/genesis.json" >/dev/null
start=$(date +%s%N)
$strata import --datadir "$work/ref" --threads 1 "$chain/blocks.rlp" >/dev/null
duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expected=$($strata head --datadir "$work/ref" | sed -n 's/.*"stateRoot" : "\(0x[0-9a-f]*\)".*/\1/p')
# Every table's entry count (history, indexes and trie nodes included), in table order.
entries() { $strata tables --datadir "$1" | grep '"entries"' | tr -d ' ,' | tr '\n' ' '; }
expected_entries=$(entries "$work/ref")
echo "crash-test: reference import took ${duration_ms} ms, final root $expected"

killed=0
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/db"
  $strata init --datadir "$work/db" "$chain/genesis.json" >/dev/null
  # Kill somewhere inside the import (0 to 90% of an uninterrupted run).
  delay_ms=$(( RANDOM % (duration_ms * 9 / 10 + 1) ))
  $strata import --datadir "$work/db" --threads 1 "${group[@]}" "$chain/blocks.rlp" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  # The store opens, its state matches its head, and the head is a whole block.
  if ! $strata verify --datadir "$work/db" >/dev/null; then
    echo "crash-test: round $round (killed after ${delay_ms} ms): verify FAILED"; exit 1
  fi
  number=$($strata head --datadir "$work/db" | sed -n 's/.*"number" : \([0-9]*\).*/\1/p')
  # Finishing the import reaches the same root.
  $strata import --datadir "$work/db" --threads 1 "${group[@]}" "$chain/blocks.rlp" >/dev/null
  root=$($strata head --datadir "$work/db" | sed -n 's/.*"stateRoot" : "\(0x[0-9a-f]*\)".*/\1/p')
  if [ "$root" != "$expected" ]; then
    echo "crash-test: round $round: final root $root, expected $expected"; exit 1
  fi
  # … with the same history and indexes as the uninterrupted import.
  if [ "$(entries "$work/db")" != "$expected_entries" ]; then
    echo "crash-test: round $round: table entries $(entries "$work/db"), expected $expected_entries"; exit 1
  fi
  echo "crash-test: round $round: killed after ${delay_ms} ms at head $number; verify ok; resumed to the same root and tables"
done
echo "crash-test: $rounds passed, 0 failed ($killed imports killed mid-run)"
