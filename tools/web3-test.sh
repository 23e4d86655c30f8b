#!/usr/bin/env bash
# The JSON-RPC server under a real client: builds a store from hive's rpc-compat chain, starts
# `strata rpc` on a free loopback port, runs tools/rpc-web3.py with web3.py (installed from
# tools/requirements-rpc.txt into tools/.venv-rpc), and stops the server.
# Usage: tools/web3-test.sh   (STRATA_BIN, STRATA_RPC_COMPAT override the binary and fixtures)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${STRATA_BIN:-.build/release/strata}
fixtures=${STRATA_RPC_COMPAT:-../shared/rpc-compat}
if [ ! -f "$fixtures/chain.rlp" ]; then
  echo "*** WARNING: $fixtures/chain.rlp not found: web3.py test SKIPPED ***"
  exit 0
fi
venv=tools/.venv-rpc
if ! "$venv/bin/python" -c 'import web3' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r tools/requirements-rpc.txt
fi
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$bin" init --datadir "$work/db" "$fixtures/genesis.json" > /dev/null
"$bin" import --datadir "$work/db" "$fixtures/chain.rlp" > /dev/null
"$bin" rpc --datadir "$work/db" --http.port 0 2> "$work/server.log" &
server=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$work/server.log")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "strata rpc exited"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/server.log"; echo "strata rpc did not start"; exit 1; }
"$venv/bin/python" tools/rpc-web3.py "http://127.0.0.1:$port"
