#!/usr/bin/env bash
# Fuzz the JSON-RPC request decoder with libFuzzer: tools/rpc-fuzz.sh [SECONDS]
# Builds Sources/RPC/JSON.swift (it imports nothing) with Fuzz/FuzzJSON.swift under
# -sanitize=fuzzer,address, runs it for SECONDS (default 60) over fuzz-out/json/corpus seeded with
# requests, and exits non-zero on a crash (the input is left in fuzz-out/json/crash-*).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=fuzz-out/json
mkdir -p "$out/corpus"
printf '%s' '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x00000000000000000000000000000000000000aa","latest"]}' > "$out/corpus/request"
printf '%s' '[{"jsonrpc":"2.0","id":"a","method":"eth_chainId"},{"x":[1.5e3,-0,true,null,"\u00e9\ud83d\ude00"]}]' > "$out/corpus/batch"
echo "building json fuzzer..."
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Fuzz Sources/RPC/JSON.swift Fuzz/FuzzJSON.swift -o "$out/fuzzer"
echo "fuzzing json for ${seconds}s..."
"$out/fuzzer" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus"
