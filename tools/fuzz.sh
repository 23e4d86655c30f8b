#!/usr/bin/env bash
# Fuzz with libFuzzer: tools/fuzz.sh [rlp|transaction|block|precompile|bls] [SECONDS]
# Builds the target with `swiftc -sanitize=fuzzer,address` straight from the sources (no SwiftPM),
# runs it for SECONDS (default 60) over a corpus in fuzz-out/TARGET/, and exits non-zero on a crash.
# Crashing inputs are left in fuzz-out/TARGET/ as crash-*; keep them as regression tests.
# `block` decodes, validates and executes chains of blocks through Chain's BlockProcessor on the
# in-memory state; it builds each library module it needs (instrumented) and seeds its corpus
# with the devnet blocks (data/devnet.rlp). `precompile` runs MODEXP and P256VERIFY inputs as Osaka
# transactions through the EVM (Fuzz/FuzzPrecompile.swift), on the same instrumented modules.
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
  block|precompile) sources=() ;;
  bls) sources=(Sources/Cryptography/BLS12381/*.swift Fuzz/FuzzBLS.swift) ;;  # EIP-2537 parsers
  *) echo "fuzz.sh: unknown target '$target' (rlp, transaction, block, precompile, bls)" >&2; exit 2 ;;
esac
echo "building $target fuzzer..."
if [ "$target" = block ] || [ "$target" = precompile ]; then
  # Chain and what it imports, one instrumented module each, in dependency order. Modules named
  # here that Sources/ does not have are skipped (LMDBStore appears with the store split).
  mods="$out/modules"
  mkdir -p "$mods"
  flags=(-sanitize=fuzzer,address -parse-as-library -O -I "$mods")
  for c in Sources/C*/; do flags+=(-I "$c"); done
  objects=()
  for m in Primitives Cryptography Trie State LMDBStore EVM Execution Chain; do
    [ -d "Sources/$m" ] || continue
    echo "  module $m"
    swiftc "${flags[@]}" -wmo -module-name "$m" -emit-module -emit-module-path "$mods/$m.swiftmodule" \
      $(find "Sources/$m" -name '*.swift' | sort) -c -o "$mods/$m.o"
    objects+=("$mods/$m.o")
  done
  if [ "$target" = precompile ]; then
    swiftc "${flags[@]}" -module-name Fuzz Fuzz/FuzzPrecompile.swift "${objects[@]}" -llmdb -lsecp256k1 -lcrypto -o "$out/fuzzer"
    # Seeds: 3^5 mod 7 with one-byte lengths (selector 0), a valid P-256 signature (selector 1).
    zeros=$(printf '%062d' 0)
    printf '00%s01%s01%s01030507' "$zeros" "$zeros" "$zeros" | xxd -r -p > "$out/corpus/modexp-small"
    printf '\x01' > "$out/corpus/p256-valid"
    printf '%s' 53d3a3ec772e87371336b512e4ab25c709e0929e11043d73f2c969a5f1e8a6de45f1100a583520ab224e21322c26d64da05940ed1fa7b6cebb063e7df8b6ebeb0a3dbede9dfcd80d41922f0fbd16660c08f586d684b5fa43485a706ed71142edc3550b9e474e884f3524bad0ea51e4d1e8ca610eada5d351f1c3b48f584da1de6479e15c012943a71d61105605a4f39834f533d665fa95bafdc70d0bd2b13b22 \
      | xxd -r -p >> "$out/corpus/p256-valid"
  else
    swiftc "${flags[@]}" -module-name Fuzz Fuzz/FuzzBlock.swift "${objects[@]}" -llmdb -lsecp256k1 -lcrypto -o "$out/fuzzer"
    # Seeds: the devnet chain whole, and its first block alone.
    cp data/devnet.rlp "$out/corpus/devnet-chain"
    read -r -a prefix < <(od -An -tu1 -N9 data/devnet.rlp)  # a long list: 0xf7+n, then n length bytes
    n=$((prefix[0] - 0xf7)) length=0
    for ((i = 1; i <= n; i++)); do length=$((length * 256 + prefix[i])); done
    head -c $((1 + n + length)) data/devnet.rlp > "$out/corpus/devnet-block1"
  fi
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
