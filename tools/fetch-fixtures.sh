#!/usr/bin/env bash
# Downloads the ethereum/tests commit Strata's conformance tests were written against, for
# machines without ../shared beside the checkout. Then: STRATA_FIXTURES=<dir> tools/test.sh
set -euo pipefail
commit=4c87ebbf024a3e9ec842bcce90564f629a3bcd82
dest=${1:-$HOME/.cache/strata/ethereum-tests}
if [ -d "$dest/BlockchainTests" ]; then echo "fixtures already at $dest"; exit 0; fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetching ethereum/tests $commit ..."
curl -fsSL "https://github.com/ethereum/tests/archive/$commit.tar.gz" -o "$tmp/tests.tar.gz"
tar -xzf "$tmp/tests.tar.gz" -C "$tmp"
src="$tmp/tests-$commit"
for d in BlockchainTests TransactionTests TrieTests RLPTests; do cp -r "$src/$d" "$dest/"; done
echo "fixtures in $dest; run: STRATA_FIXTURES=$dest tools/test.sh"
