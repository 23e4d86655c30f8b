#!/usr/bin/env bash
# Fuzz with libFuzzer: tools/fuzz.sh [rlp|transaction|block|bls] [SECONDS]
# Builds the target with `swiftc -sanitize=fuzzer,address` straight from the sources (no SwiftPM),
# runs it for SECONDS (default 60) over a corpus in fuzz-out/TARGET/, and exits non-zero on a crash.
# Crashing inputs are left in fuzz-out/TARGET/ as crash-*; keep them as regression tests.
# `block` decodes, validates and executes chains of blocks through Chain's BlockProcessor on the
# in-memory state; it builds each library module it needs (instrumented) and seeds its corpus
# with the devnet blocks (data/devnet.rlp).
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
  block) sources=() ;;
  bls) sources=(Sources/Crypto/BLS12381/*.swift Fuzz/FuzzBLS.swift) ;;  # EIP-2537 parsers
  *) echo "fuzz.sh: unknown target '$target' (rlp, transaction, block, bls)" >&2; exit 2 ;;
esac
echo "building $target fuzzer..."
if [ "$target" = block ]; then
  # Chain and what it imports, one instrumented module each, in dependency order. Modules named
  # here that Sources/ does not have are skipped (LMDBStore appears with the store split).
  mods="$out/modules"
  mkdir -p "$mods"
  flags=(-sanitize=fuzzer,address -parse-as-library -O -I "$mods")
  for c in Sources/C*/; do flags+=(-I "$c"); done
  objects=()
  for m in Primitives Crypto Trie State LMDBStore EVM Execution Chain; do
    [ -d "Sources/$m" ] || continue
    echo "  module $m"
    swiftc "${flags[@]}" -wmo -module-name "$m" -emit-module -emit-module-path "$mods/$m.swiftmodule" \
      $(find "Sources/$m" -name '*.swift' | sort) -c -o "$mods/$m.o"
    objects+=("$mods/$m.o")
  done
  swiftc "${flags[@]}" -module-name Fuzz Fuzz/FuzzBlock.swift "${objects[@]}" -llmdb -lsecp256k1 -lcrypto -o "$out/fuzzer"
  # Seeds: the devnet chain whole, and its first block alone.
  cp data/devnet.rlp "$out/corpus/devnet-chain"
  read -r -a prefix < <(od -An -tu1 -N9 data/devnet.rlp)  # a long list: 0xf7+n, then n length bytes
  n=$((prefix[0] - 0xf7)) length=0
  for ((i = 1; i <= n; i++)); do length=$((length * 256 + prefix[i])); done
  head -c $((1 + n + length)) data/devnet.rlp > "$out/corpus/devnet-block1"
else
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Fuzz "${sources[@]}" -o "$out/fuzzer"
  if [ "$target" = transaction ]; then
    # Seed: an EIP-7702 set-code transaction (type 4, one authorization) from the
    # execution-spec-tests fixtures, so that the authorization list's decoder is reached at once.
    type4=04f8c1018080078301b6bb9478d03ebeca16df0be46069103a22faeaf727cb480180c0f85cf85a8094fab860e17f926f7cdb3c2cf02d0646e9fefb076b0180a03361aac6278699c96b2f068db52d9905fda1ae1afe5631e5f6ea054c392f547da03061a175659117fed7b98162dd29d88bb8e2bd99cfb91f1eb58f78077c6eaec380a093a7c9dde752a3510d07b0f5afb975ec392d0254f2902b97be63b0a70cb874aba07eac733f60e0a26e9c0424e8ac0709a9eb2ec0cacccbf6e98b9e856772e7f826
    printf '%b' "$(sed 's/../\\x&/g' <<< "$type4")" > "$out/corpus/set-code-tx"
  fi
fi
echo "fuzzing $target for ${seconds}s..."
maxlen=4096
[ "$target" = block ] && maxlen=16384  # the devnet chain seed is 7.8 kB
"$out/fuzzer" -max_total_time="$seconds" -max_len="$maxlen" -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus"
