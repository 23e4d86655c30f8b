#!/usr/bin/env bash
# The Strata demo: installs what is missing, builds in release mode, creates a store from the
# development genesis, imports the sample blocks, verifies the state root, and queries the chain.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
echo "== building (release)"
[ -n "${STRATA_BIN:-}" ] || swift build -c release --product strata
strata=${STRATA_BIN:-.build/release/strata}
datadir=$(mktemp -d /tmp/strata-demo.XXXXXX)
trap 'rm -rf "$datadir"' EXIT
say() { printf '\n== %s\n' "$*"; }

say "strata init genesis/devnet.json   (Cancun from genesis, chain id 1337, 12 funded accounts)"
$strata init --datadir "$datadir" genesis/devnet.json

say "strata import data/devnet.rlp   (4 blocks: transfers, a token and a counter contract, token transfers, conflicting counter calls, withdrawals)"
$strata import --datadir "$datadir" --stats data/devnet.rlp

say "strata verify   (recomputes the state root from the stored accounts and storage alone)"
$strata verify --datadir "$datadir"

say "strata head"
$strata head --datadir "$datadir" | grep -E '"(number|hash|stateRoot|gasUsed)"'

holder=$(sed -n 's/.*"holder" : "\(0x[0-9a-f]*\)".*/\1/p' data/devnet.json)
token=$(sed -n 's/.*"token" : "\(0x[0-9a-f]*\)".*/\1/p' data/devnet.json)
counter=$(sed -n 's/.*"counter" : "\(0x[0-9a-f]*\)".*/\1/p' data/devnet.json)

say "strata account $holder   (a token holder that sent transactions)"
$strata account --datadir "$datadir" "$holder"

say "strata storage $token $holder   (the holder's token balance: the slot is the holder's address)"
$strata storage --datadir "$datadir" "$token" "$holder"

say "strata storage $counter 0   (the counter every caller incremented)"
$strata storage --datadir "$datadir" "$counter" 0

say "strata block 3"
$strata block --datadir "$datadir" 3 | grep -E '"(number|hash|gasUsed|transactionGasUsed)"' 

say "done: the store in $datadir is removed on exit"
