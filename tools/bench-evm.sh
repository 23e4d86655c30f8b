#!/usr/bin/env bash
# EVM execution against revm (pyrevm, pinned in tools/requirements-bench.txt), interleaved:
#   1. the classic interpreter benchmarks of ../shared/evm-bench (snailtracer, analysis):
#      `strata evm run --bench` against tools/bench-revm.py code (same bytecode, calldata, gas);
#   2. the corpus blocks compute_heavy and erc20_transfers (30M gas, execution only, every
#      transaction against the block's genesis alloc): `strata-bench evm` (STRATA_BENCH_EVM_JSON)
#      against tools/bench-revm.py block, on the transactions strata-bench dumps.
# Each side runs $RUNS timed runs (after a warm-up) per round, $ROUNDS rounds alternating; a
# round's figure is its median, the table shows the median of the rounds. Times are the thread's
# CPU time (both run single-threaded on the calling thread): on a shared machine wall time mostly
# measures the wait for a core. gasUsed must agree between the two on every row, or the script
# fails.
# What is timed:
#   evm-bench rows: strata, one `evm run` frame (the code as a called account's, analysis cached
#     after the warm-up); revm, one pyrevm message_call on a fresh EVM (its set-up untimed),
#     including the binding's cost of one call.
#   block rows: strata, `VirtualMachine.transact` of every transaction in turn, each against the
#     genesis state held in dictionaries (nothing committed between transactions, senders
#     recovered untimed); revm, for every transaction snapshot() + message_call + revert() on one
#     pyrevm EVM whose fork database (CacheDB) holds the genesis, filled in the untimed warm-up
#     (see tools/bench-revm.py: that is how each transaction finds every account and slot cold,
#     with genesis as its original values, as the block defines). "revm-ovh" subtracts the
#     binding's cost per transaction (snapshot, a refused call, revert, measured by the driver):
#     revm's own time without the Python binding. strata's transact also charges and refunds the
#     sender, which pyrevm's message_call skips; neither side commits anything.
#
# Usage: tools/bench-evm.sh [FILTER]   (FILTER: substring of snailtracer, analysis,
#        compute_heavy, erc20_transfers)
# STRATA_BIN_DIR: use the binaries there instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-}
runs=${RUNS:-5}
rounds=${ROUNDS:-5}
shared=${STRATA_SHARED:-../shared}

venv=tools/.venv-bench
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import pyrevm' 2> /dev/null; then
  "$venv/bin/pip" install --quiet -r tools/requirements-bench.txt
fi
py=$venv/bin/python

if [ -n "${STRATA_BIN_DIR:-}" ]; then
  bin=$STRATA_BIN_DIR
else
  swift build -c release --product strata > /dev/null
  swift build -c release --product strata-bench > /dev/null
  bin=.build/release
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
json() { "$py" -c "import json,sys; d=json.loads(sys.stdin.read()); print(d['$1'])"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-16s %14s %12s %12s %12s %8s %8s\n' workload gasUsed "strata ms" "revm ms" "revm-ovh ms" "×revm" "×r-ovh"

# 1. evm-bench: name, calldata.
for spec in "snailtracer 30627b7c" "analysis 8035F0CE"; do
  set -- $spec
  name=$1 input=$2
  case "$name" in *"$filter"*) ;; *) continue ;; esac
  code=$shared/evm-bench/$name.hex
  : > "$tmp/s"; : > "$tmp/r"
  for ((k = 0; k < rounds; k++)); do
    "$py" tools/bench-revm.py code --codefile "$code" --input "$input" --gas 1000000000 --runs "$runs" > "$tmp/rj"
    "$bin/strata" evm run --codefile "$code" --input "$input" --gas 1000000000 --fork cancun --bench "$runs" > "$tmp/sj"
    gs=$(json gasUsed < "$tmp/sj"); gr=$(json gasUsed < "$tmp/rj")
    if [ "$gs" != "$gr" ]; then echo "bench-evm: $name gasUsed differs: strata $gs, revm $gr" >&2; exit 1; fi
    json medianNanos < "$tmp/sj" >> "$tmp/s"
    json medianNanos < "$tmp/rj" >> "$tmp/r"
  done
  s=$(median < "$tmp/s"); r=$(median < "$tmp/r")
  awk -v n="$name" -v g="$gs" -v s="$s" -v r="$r" 'BEGIN { printf "%-16s %14d %12.3f %12.3f %12s %8.2f %8s\n", n, g, s / 1e6, r / 1e6, "-", r / s, "-" }'
done

# 2. corpus blocks.
for name in compute_heavy-30Mgas-1b erc20_transfers-30Mgas-1b; do
  case "$name" in *"$filter"*) ;; *) continue ;; esac
  short=${name%%-30Mgas-1b}
  : > "$tmp/s"; : > "$tmp/r"; : > "$tmp/o"
  mkdir -p "$tmp/dump"
  for ((k = 0; k < rounds; k++)); do
    STRATA_SHARED="$shared" STRATA_BENCH_EVM="$short" STRATA_BENCH_EVM_JSON="$runs" STRATA_BENCH_EVM_DUMP="$tmp/dump" \
      "$bin/strata-bench" evm > "$tmp/sj"
    "$py" tools/bench-revm.py block --dump "$tmp/dump/$name.json" --runs "$runs" > "$tmp/rj"
    gs=$(json gasUsed < "$tmp/sj"); gr=$(json gasUsed < "$tmp/rj")
    json medianNanos < "$tmp/sj" >> "$tmp/s"
    rn=$(json medianNanos < "$tmp/rj"); ov=$(json overheadNanosPerTx < "$tmp/rj"); nt=$(json txs < "$tmp/rj")
    echo "$rn" >> "$tmp/r"
    echo $((rn - ov * nt)) >> "$tmp/o"
  done
  s=$(median < "$tmp/s"); r=$(median < "$tmp/r"); o=$(median < "$tmp/o")
  if [ "$gs" != "$gr" ]; then echo "bench-evm: $short gasUsed differs: strata $gs, revm $gr" >&2; exit 1; fi
  awk -v n="$short" -v g="$gs" -v s="$s" -v r="$r" -v o="$o" 'BEGIN { printf "%-16s %14d %12.3f %12.3f %12.3f %8.2f %8.2f\n", n, g, s / 1e6, r / 1e6, o / 1e6, r / s, o / s }'
done
