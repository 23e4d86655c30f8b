#!/usr/bin/env bash
# Rewind is atomic: kills `strata rewind N` with SIGKILL at random moments, then checks that the
# store opens, `strata verify` passes, and the head is block N or the old head (never between),
# with the state root of that block; then that importing the file again reaches the reference
# import's final root.
# Usage: tools/rewind-crash-test.sh [ROUNDS] [CHAIN_DIR]   (CHAIN_DIR holds genesis.json and blocks.rlp)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
chain=${2:-../shared/chains/hive-sync-cancun-3000}
strata=${STRATA_BIN:-.build/release/strata}
if [ ! -f "$chain/blocks.rlp" ]; then
  echo "rewind-crash-test: $chain not found; using the devnet chain"
  mkdir -p .build/devnet-chain
  cp genesis/devnet.json .build/devnet-chain/genesis.json
  cp data/devnet.rlp .build/devnet-chain/blocks.rlp
  chain=.build/devnet-chain
fi
work=$(mktemp -d /tmp/strata-rewind-crash.XXXXXX)
trap 'rm -rf "$work"' EXIT
field() { sed -n "s/.*\"$1\" : \"*\([0-9a-fx]*\)\"*.*/\1/p" | head -n 1; }

$strata init --datadir "$work/ref" "$chain/genesis.json" >/dev/null
$strata import --datadir "$work/ref" "$chain/blocks.rlp" >/dev/null 2>&1
head_number=$($strata head --datadir "$work/ref" | field number)
head_root=$($strata head --datadir "$work/ref" | field stateRoot)
# One uninterrupted rewind to the middle, timed: the kills land within its span.
cp -r "$work/ref" "$work/timed"
start=$(date +%s%N)
$strata rewind --datadir "$work/timed" $((head_number / 2)) >/dev/null
duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
rm -rf "$work/timed"
echo "rewind-crash-test: $head_number blocks, root $head_root; rewinding $((head_number - head_number / 2)) blocks took ${duration_ms} ms"

killed=0; at_target=0; at_head=0
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/db"
  cp -r "$work/ref" "$work/db"
  target=$(( RANDOM % head_number ))
  target_root=$($strata block --datadir "$work/db" "$target" | field stateRoot)
  delay_ms=$(( RANDOM % (duration_ms * 12 / 10 + 1) ))
  $strata rewind --datadir "$work/db" "$target" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  if ! out=$($strata verify --datadir "$work/db"); then
    echo "rewind-crash-test: round $round (rewind to $target killed after ${delay_ms} ms): verify FAILED"; exit 1
  fi
  number=$(echo "$out" | field head)
  root=$(echo "$out" | field computedRoot)
  if [ "$number" = "$target" ] && [ "$root" = "$target_root" ]; then
    at_target=$((at_target + 1))
  elif [ "$number" = "$head_number" ] && [ "$root" = "$head_root" ]; then
    at_head=$((at_head + 1))
  else
    echo "rewind-crash-test: round $round: head $number root $root is neither block $target ($target_root) nor the old head"; exit 1
  fi
  # Importing the file again continues from wherever the store is, to the same final root.
  $strata import --datadir "$work/db" "$chain/blocks.rlp" >/dev/null 2>&1
  root=$($strata head --datadir "$work/db" | field stateRoot)
  if [ "$root" != "$head_root" ]; then
    echo "rewind-crash-test: round $round: re-import ended at root $root, expected $head_root"; exit 1
  fi
  echo "rewind-crash-test: round $round: rewind to $target killed after ${delay_ms} ms: head $number; verify ok; re-import to the same root"
done
echo "rewind-crash-test: $rounds passed, 0 failed ($killed rewinds killed mid-run; $at_target at the target, $at_head at the old head)"
