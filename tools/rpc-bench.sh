#!/usr/bin/env bash
# Load benchmark of `strata rpc` with wrk at 64 connections on hive-sync-cancun-3000 (3,000 Cancun
# blocks): eth_chainId (no work: the baseline), eth_getBalance at the head and at block 100,
# eth_getBlockByNumber with full transactions, eth_call of a view function (the EIP-4788 beacon
# roots contract: a storage read), eth_getLogs over 1,000 blocks. Prints requests/s and p50/p99
# latency per method, and checks that eth_getBalance at the head reaches half of eth_chainId's.
# Usage: tools/rpc-bench.sh [SECONDS per method, default 10]
# Needs wrk (apt-get install wrk) and curl. STRATA_BIN, STRATA_CHAINS override paths.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
bin=${STRATA_BIN:-.build/release/strata}
chain=${STRATA_CHAINS:-../shared/chains}/hive-sync-cancun-3000
command -v wrk > /dev/null || { echo "rpc-bench: wrk not found (apt-get install wrk)"; exit 2; }
[ -f "$chain/blocks.rlp" ] || { echo "rpc-bench: $chain not found"; exit 2; }
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
echo "importing $chain ..."
"$bin" init --datadir "$work/db" "$chain/genesis.json" > /dev/null
"$bin" import --datadir "$work/db" "$chain/blocks.rlp" > /dev/null
"$bin" rpc --datadir "$work/db" --http.port 0 2> "$work/server.log" &
server=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/server.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/server.log"; echo "strata rpc did not start"; exit 1; }
url="http://127.0.0.1:$port/"
rpc() { curl -s -H 'Content-Type: application/json' -d "$1" "$url"; }
field() { python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print(r$1)"; }
head=$(rpc '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}' | field '')
ts=$(rpc "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockByNumber\",\"params\":[\"$head\",false]}" | field "['timestamp']")
# The block with the most transactions among the last 200.
full=$(python3 - "$url" "$head" <<'PY'
import json, sys, urllib.request
url, head = sys.argv[1], int(sys.argv[2], 16)
best, count = head, -1
for n in range(max(1, head - 200), head + 1):
    req = urllib.request.Request(url, data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockTransactionCountByNumber", "params": [hex(n)]}).encode(), headers={"Content-Type": "application/json"})
    c = int(json.load(urllib.request.urlopen(req))["result"], 16)
    if c > count: best, count = n, c
print(hex(best))
PY
)
tsword=$(printf '%064x' "$ts")
sender=0x7435ed30a8b4aeb0877cef0c6e8cffe834eb865f
from=$(printf '0x%x' $(( $(printf '%d' "$head") - 1000 )))
declare -a names bodies
names+=(eth_chainId); bodies+=('{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}')
names+=("eth_getBalance head"); bodies+=("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"$sender\",\"latest\"]}")
names+=("eth_getBalance block 100"); bodies+=("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"$sender\",\"0x64\"]}")
names+=("eth_getBlockByNumber full"); bodies+=("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockByNumber\",\"params\":[\"$full\",true]}")
names+=("eth_call view"); bodies+=("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"to\":\"0x000f3df6d732807ef1319fb7b8bb8522d0beac02\",\"input\":\"0x$tsword\"},\"latest\"]}")
names+=("eth_getLogs 1000 blocks"); bodies+=("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\",\"params\":[{\"fromBlock\":\"$from\",\"toBlock\":\"$head\",\"address\":\"0x7dcd17433742f4c0ca53122ab541d0ba67fc27df\"}]}")
echo "head $head; full block $(printf '%d' "$full"); logs over $(printf '%d' "$from")..$(printf '%d' "$head"); ${seconds}s per method, 64 connections, 2 wrk threads"
printf '%-28s %10s %10s %10s %8s\n' method "req/s" "p50 ms" "p99 ms" errors
base=0; balance=0
for i in "${!names[@]}"; do
  sample=$(rpc "${bodies[$i]}")
  case "$sample" in *'"error"'*) echo "${names[$i]}: error answer: ${sample:0:300}"; exit 1 ;; esac
  line=$(RPC_BODY="${bodies[$i]}" wrk -t2 -c64 -d"${seconds}s" --timeout 10s -s tools/rpc-bench.lua "$url" | grep '^RESULT')
  read -r _ rps p50 p99 total errs <<< "$line"
  printf '%-28s %10s %10s %10s %8s\n' "${names[$i]}" "$rps" "$p50" "$p99" "$errs"
  [ "$i" -eq 0 ] && base=$rps
  [ "$i" -eq 1 ] && balance=$rps
done
if [ $((balance * 2)) -ge "$base" ]; then
  echo "eth_getBalance at the head: $balance req/s, at least half of eth_chainId's $base: OK"
else
  echo "eth_getBalance at the head: $balance req/s, below half of eth_chainId's $base"; exit 1
fi
