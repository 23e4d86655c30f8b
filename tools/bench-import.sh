#!/usr/bin/env bash
# Long-chain import (issue #19, goals 2 and 4): imports each chain of ../shared/chains (default:
# mainnet-0-16383 and hive-sync-cancun-3000) into a fresh store, $RUNS times per configuration,
# the configurations interleaved run by run, and prints the median wall seconds and the median
# peak RSS (`/usr/bin/time`, the whole process: ethash cache, trie, LMDB's map included).
# Configurations: this tree's binary with seal checks (the default; a fresh store also generates
# the ethash cache), and with --no-pow-check; with BASELINE_BIN, that older binary too (run it
# with the same flags it had: a binary before seal checks takes none). Every run must end at the
# chain's expected head (expected.json's head hash, read back with `strata head`).
# Usage: tools/bench-import.sh [CHAIN...]   (names under $STRATA_CHAINS, default ../shared/chains)
# STRATA_BIN: this tree's binary (default .build/release/strata); BASELINE_BIN: e.g. a build of 6063dda.
set -euo pipefail
cd "$(dirname "$0")/.."
chains_dir=${STRATA_CHAINS:-../shared/chains}
runs=${RUNS:-5}
bin=${STRATA_BIN:-.build/release/strata}
baseline=${BASELINE_BIN:-}
[ $# -gt 0 ] || set -- mainnet-0-16383 hive-sync-cancun-3000
[ -x "$bin" ] || { echo "bench-import: no binary at $bin (swift build -c release --product strata)" >&2; exit 1; }
work=$(mktemp -d /tmp/strata-bench-import.XXXXXX)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

configs=("seals|$bin|" "no-pow-check|$bin|--no-pow-check")
[ -n "$baseline" ] && configs=("baseline|$baseline|" "${configs[@]}")

printf '%-24s %-14s %8s %10s %10s\n' chain config blocks "wall s" "peak MB"
for name in "$@"; do
  dir=$chains_dir/$name
  [ -d "$dir" ] || { echo "bench-import: no chain at $dir" >&2; exit 1; }
  blocks=$dir/blocks.rlp
  if [ ! -f "$blocks" ] && [ -f "$blocks.xz" ]; then
    xz -dc "$blocks.xz" > "$work/$name.rlp"
    blocks=$work/$name.rlp
  fi
  expected=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["head"]["hash"])' "$dir/expected.json" 2>/dev/null || true)
  for c in "${configs[@]}"; do : > "$work/${c%%|*}.s"; : > "$work/${c%%|*}.m"; done
  for ((r = 0; r < runs; r++)); do
    for c in "${configs[@]}"; do
      IFS='|' read -r label b flags <<<"$c"
      rm -rf "$work/db"
      "$b" init --datadir "$work/db" "$dir/genesis.json" > /dev/null
      # shellcheck disable=SC2086
      /usr/bin/time -f '%e %M' -o "$work/time" "$b" import --datadir "$work/db" $flags "$blocks" > "$work/out" 2> "$work/err" \
        || { echo "bench-import: $label import of $name failed: $(tail -n 1 "$work/err")" >&2; exit 1; }
      if [ -n "$expected" ]; then
        head=$("$b" head --datadir "$work/db" 2>/dev/null | tr -d '\n' | grep -o '0x[0-9a-f]\{64\}' | head -n 1 || true)
        "$b" head --datadir "$work/db" 2>/dev/null | grep -qi "${expected#0x}" \
          || { echo "bench-import: $label import of $name did not end at $expected (head: ${head:-?})" >&2; exit 1; }
      fi
      read -r secs kb < "$work/time"
      echo "$secs" >> "$work/$label.s"
      echo $(( kb / 1024 )) >> "$work/$label.m"
      n=$(sed -n 's/.*"imported" : \([0-9]*\).*/\1/p' "$work/out" | head -n 1)
      echo "${n:-?}" > "$work/$label.n"
    done
  done
  for c in "${configs[@]}"; do
    label=${c%%|*}
    printf '%-24s %-14s %8s %10.2f %10d\n' "$name" "$label" "$(cat "$work/$label.n")" "$(median < "$work/$label.s")" "$(median < "$work/$label.m")"
  done
done
