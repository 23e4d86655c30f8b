#!/usr/bin/env bash
# Block-STM benchmarks on the corpus (../shared/corpus, or $STRATA_CORPUS):
#   1. execution only: `strata-bench blockstm` (serial against Block-STM with the cutoffs off, in
#      interleaved pairs, medians; plus the executor's counters and the default path's choice);
#   2. end to end: `strata import` of each 30M-gas chain into a fresh store with --threads 1 and
#      with --threads 2 (the default executor, cutoffs on), $RUNS runs each, alternating; medians
#      of the whole import, its execution stage (sender recovery, execution, header and body
#      checks), its state-root stage (trie updates and hashing) and its commit stage (the writes
#      left after the state root, and the commit; with several threads most writes run earlier,
#      beside execution and the trie update).
# Usage: tools/bench-blockstm.sh [FILTER]   (FILTER: a substring of the corpus folder names)
# STRATA_BIN_DIR: use the binaries there instead of building (e.g. .build/release after tools/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-}
runs=${RUNS:-5}
corpus=${STRATA_CORPUS:-../shared/corpus}
if [ ! -d "$corpus" ]; then
  echo "bench-blockstm: no corpus at $corpus (set STRATA_CORPUS)" >&2
  exit 1
fi
if [ -n "${STRATA_BIN_DIR:-}" ]; then
  bin=$STRATA_BIN_DIR
else
  tools/setup.sh > /dev/null
  swift build -c release
  bin=.build/release
fi

echo "== execution only (strata-bench blockstm)"
STRATA_CORPUS="$corpus" STRATA_STM_FILTER="$filter" "$bin/strata-bench" blockstm

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/^ *\"$1\" : \([0-9.e+-]*\).*/\1/p" | head -n 1; }

echo "== end to end (strata import, median of $runs runs per thread count)"
printf '%-32s %8s %10s %10s %10s %10s %8s %s\n' chain threads "import s" "exec s" "trie s" "commit s" "Mgas/s" "speedup"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dir in "$corpus"/*-30Mgas-*; do
  name=$(basename "$dir")
  case "$name" in *"$filter"*) ;; *) continue ;; esac
  : > "$tmp/t1"; : > "$tmp/t2"; : > "$tmp/e1"; : > "$tmp/e2"; : > "$tmp/r1"; : > "$tmp/r2"; : > "$tmp/c1"; : > "$tmp/c2"; : > "$tmp/g"
  for ((r = 0; r < runs; r++)); do
    for t in 1 2; do
      rm -rf "$tmp/db"
      "$bin/strata" init --datadir "$tmp/db" "$dir/genesis.json" > /dev/null
      "$bin/strata" import --datadir "$tmp/db" --threads "$t" --stats "$dir/blocks.rlp" 2> /dev/null > "$tmp/out"
      field seconds < "$tmp/out" >> "$tmp/t$t"
      field executionAndValidation < "$tmp/out" >> "$tmp/e$t"
      field trie < "$tmp/out" >> "$tmp/r$t"
      field commit < "$tmp/out" >> "$tmp/c$t"
      field gasUsed < "$tmp/out" > "$tmp/g"
    done
  done
  gas=$(cat "$tmp/g")
  s1=$(median < "$tmp/t1"); s2=$(median < "$tmp/t2")
  x1=$(median < "$tmp/e1"); x2=$(median < "$tmp/e2")
  r1=$(median < "$tmp/r1"); r2=$(median < "$tmp/r2")
  c1=$(median < "$tmp/c1"); c2=$(median < "$tmp/c2")
  for t in 1 2; do
    s=$([ "$t" = 1 ] && echo "$s1" || echo "$s2"); x=$([ "$t" = 1 ] && echo "$x1" || echo "$x2")
    r=$([ "$t" = 1 ] && echo "$r1" || echo "$r2"); c=$([ "$t" = 1 ] && echo "$c1" || echo "$c2")
    up=$([ "$t" = 1 ] && echo "" || awk -v a="$s1" -v b="$s2" -v c="$x1" -v d="$x2" -v e="$r1" -v f="$r2" \
      'BEGIN { printf "%.2fx (exec %.2fx, trie %.2fx)", a / b, c / d, e / f }')
    printf '%-32s %8s %10.4f %10.4f %10.4f %10.4f %8.0f %s\n' "$name" "$t" "$s" "$x" "$r" "$c" "$(awk -v g="$gas" -v s="$s" 'BEGIN { print g / s / 1e6 }')" "$up"
  done
done
