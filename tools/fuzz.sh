#!/usr/bin/env bash
# Fuzz a decoder with libFuzzer: tools/fuzz.sh [rlp|transaction] [SECONDS]
# Builds the target with `swiftc -sanitize=fuzzer,address` straight from the sources (no SwiftPM),
# runs it for SECONDS (default 60) over a corpus in fuzz-out/TARGET/, and exits non-zero on a crash.
# Crashing inputs are left in fuzz-out/TARGET/ as crash-*; keep them as regression tests.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-rlp}
seconds=${2:-60}
out=fuzz-out/$target
mkdir -p "$out/corpus"
prims=(Sources/Primitives/*.swift Sources/Primitives/RLP/*.swift)
case "$target" in
  rlp) sources=("${prims[@]}" Fuzz/FuzzRLP.swift) ;;
  transaction) sources=("${prims[@]}" Fuzz/FuzzTransaction.swift $(cat Fuzz/transaction-sources.txt 2>/dev/null)) ;;
  *) echo "fuzz.sh: unknown target '$target' (rlp, transaction)" >&2; exit 2 ;;
esac
echo "building $target fuzzer..."
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Fuzz "${sources[@]}" -o "$out/fuzzer"
echo "fuzzing $target for ${seconds}s..."
"$out/fuzzer" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus"
