#!/usr/bin/env bash
# The store's size and import time per chain: imports each CHAIN_DIR (genesis.json, blocks.rlp)
# into a fresh store with one thread and prints blocks, the bytes of the tables' pages (free
# pages excluded: `strata tables`) and of the data file above the genesis store, per block, the
# history tables' share, and the import's seconds. STRATA_BIN picks the binary; a binary without
# `strata tables` (before history) reports the data file only.
# Usage: tools/store-growth.sh CHAIN_DIR...
set -euo pipefail
strata=${STRATA_BIN:-.build/release/strata}
work=$(mktemp -d /tmp/strata-growth.XXXXXX)
trap 'rm -rf "$work"' EXIT
tables() {  # total bytes and history bytes of the tables' pages, or "- -"
  $strata tables --datadir "$1" 2>/dev/null | python3 -c '
import json, sys
t = json.load(sys.stdin)
h = sum(t[k]["bytes"] for k in ("accountChanges", "storageChanges", "accountHistory", "storageHistory", "logIndex"))
print(t["totalBytes"], h)' 2>/dev/null || echo "- -"
}
printf "%-28s %6s %12s %12s %12s %12s %8s\n" chain blocks tables/block history/block file/block history% seconds
for chain in "$@"; do
  rm -rf "$work/db"
  $strata init --datadir "$work/db" "$chain/genesis.json" >/dev/null
  base=$(stat -c %s "$work/db/data.mdb")
  read -r base_tables _ <<<"$(tables "$work/db")"
  out=$($strata import --datadir "$work/db" --threads 1 "$chain/blocks.rlp" 2>/dev/null)
  blocks=$(echo "$out" | sed -n 's/.*"imported" : \([0-9]*\).*/\1/p')
  seconds=$(echo "$out" | sed -n 's/.*"seconds" : \([0-9.]*\).*/\1/p')
  size=$(stat -c %s "$work/db/data.mdb")
  read -r total history <<<"$(tables "$work/db")"
  n=$(( blocks > 0 ? blocks : 1 ))
  if [ "$total" = "-" ]; then per="-"; hper="-"; share="-"; else
    per=$(( (total - base_tables) / n )); hper=$(( history / n ))
    share=$(awk -v h="$history" -v t="$total" -v b="$base_tables" 'BEGIN { printf "%.0f%%", 100 * h / (t - b) }')
  fi
  printf "%-28s %6d %12s %12s %12d %12s %8.2f\n" "$(basename "$chain" | cut -c1-28)" "$blocks" "$per" "$hper" $(( (size - base) / n )) "$share" "$seconds"
done
