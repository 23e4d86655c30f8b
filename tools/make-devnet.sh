#!/usr/bin/env bash
# Regenerates the demo chain (genesis/devnet.json, data/devnet.rlp, data/devnet.json) with the
# project's own code: see Sources/StrataDevnet/main.swift.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product strata-devnet
.build/release/strata-devnet genesis/devnet.json data/devnet.rlp > data/devnet.json
cat data/devnet.json
