#!/usr/bin/env bash
# The store's size and import time per chain: imports each CHAIN_DIR (genesis.json, blocks.rlp)
# into a fresh store with one thread and prints blocks, the data file's bytes, bytes per block
# above the genesis store, and the import's seconds. STRATA_BIN picks the binary (compare a
# build without history against one with it).
# Usage: tools/store-growth.sh CHAIN_DIR...
set -euo pipefail
strata=${STRATA_BIN:-.build/release/strata}
work=$(mktemp -d /tmp/strata-growth.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf "%-40s %7s %12s %12s %10s %8s\n" chain blocks genesisBytes dataBytes bytes/block seconds
for chain in "$@"; do
  rm -rf "$work/db"
  $strata init --datadir "$work/db" "$chain/genesis.json" >/dev/null
  base=$(stat -c %s "$work/db/data.mdb")
  out=$($strata import --datadir "$work/db" --threads 1 "$chain/blocks.rlp" 2>/dev/null)
  blocks=$(echo "$out" | sed -n 's/.*"imported" : \([0-9]*\).*/\1/p')
  seconds=$(echo "$out" | sed -n 's/.*"seconds" : \([0-9.]*\).*/\1/p')
  size=$(stat -c %s "$work/db/data.mdb")
  printf "%-40s %7d %12d %12d %10d %8.2f\n" "$(basename "$chain")" "$blocks" "$base" "$size" $(( (size - base) / (blocks > 0 ? blocks : 1) )) "$seconds"
done
