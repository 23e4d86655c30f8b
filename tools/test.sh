#!/usr/bin/env bash
# Installs what is missing, builds in release mode, and runs every test (the conformance suites
# included) with testing enabled in the optimised build: thousands of fixture cases run in
# seconds rather than minutes. Fixtures: $STRATA_FIXTURES, else ../shared/ethereum-tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
if [ -z "${STRATA_FIXTURES:-}" ] && [ ! -d ../shared/ethereum-tests ]; then
  echo "*** WARNING: no conformance fixtures (set STRATA_FIXTURES or run tools/fetch-fixtures.sh);"
  echo "*** the conformance suites will be reported as skipped. ***"
fi
jobs=$(nproc)
echo "== build (release, testing enabled)"
swift build -c release -Xswiftc -enable-testing --build-tests -j "$jobs"
echo "== tests"
set +e
swift test -c release -Xswiftc -enable-testing --skip-build 2>&1 | tee .build/test-output.txt | grep -vE '^(◇|↳)|passed after'
status=${PIPESTATUS[0]}
set -e
conformance=0
# Runs blocktest on the fixtures at $2 again with extra options ($4...) into
# .build/blocktest-$1-output.txt and fails the conformance step unless it passes exactly the
# cases the default run (its output in $3) passed, with the same FAIL lines.
same_as_default() {
  local name=$1 path=$2 base=$3; shift 3
  local out=.build/blocktest-$name-output.txt start count passed
  start=$(date +%s)
  set +e
  .build/release/strata blocktest "$path" "$@" > "$out" 2>&1
  set -e
  passed=$(sed -n 's/^\([0-9]*\) passed, .*/\1/p' "$base" | tail -n 1)
  count=$(sed -n 's/^\([0-9]*\) passed, .*/\1/p' "$out" | tail -n 1)
  count=${count:-0}
  echo "blocktest $*: $count cases pass in $(( $(date +%s) - start ))s; the default run passed ${passed:-0}"
  if [ "$count" -ne "${passed:-0}" ] || ! diff <(grep '^FAIL' "$base" | sort) \
       <(grep '^FAIL' "$out" | sort) > ".build/blocktest-$name-diff.txt"; then
    echo "*** blocktest $* differs from the default run (failures that differ below) ***"
    head -n 20 ".build/blocktest-$name-diff.txt"
    conformance=1
  fi
}
echo "== conformance: ethereum/tests BlockchainTests (release build of strata blocktest)"
fixtures=${STRATA_FIXTURES:-../shared/ethereum-tests}
if [ -d "$fixtures/BlockchainTests" ]; then
  # strata was built above with the tests (same flags, so nothing is compiled twice).
  set +e
  .build/release/strata blocktest "$fixtures/BlockchainTests" --json .build/blocktest.json > .build/blocktest-output.txt 2>&1
  set -e
  tail -n 40 .build/blocktest-output.txt
  passed=$(sed -n 's/^\([0-9]*\) passed, .*/\1/p' .build/blocktest-output.txt | tail -n 1)
  passed=${passed:-0}
  expected=$(cat tools/blocktest-baseline.txt)
  echo "blocktest: $passed cases pass; the recorded baseline is $expected"
  if [ "$passed" -lt "$expected" ]; then
    echo "*** conformance regressed: $passed < $expected (tools/blocktest-baseline.txt) ***"
    conformance=1
  fi
  # Determinism of the parallel executor: every block of two or more transactions through
  # Block-STM (no size or gas cutoff) with 4 threads must pass exactly the same cases.
  echo "== conformance with Block-STM on every multi-transaction block (--always-parallel --threads 4)"
  same_as_default parallel "$fixtures/BlockchainTests" .build/blocktest-output.txt --always-parallel --threads 4
  # The real store and commit path: every case through a temporary LMDB store (genesis
  # committed with StateCommitter, each block through ChainStore's execute and commit).
  echo "== conformance through the LMDB store (--store lmdb)"
  same_as_default lmdb "$fixtures/BlockchainTests" .build/blocktest-output.txt --store lmdb
else
  echo "*** WARNING: $fixtures/BlockchainTests not found: conformance SKIPPED ***"
fi
echo "== conformance: execution-spec-tests blockchain tests (release build of strata blocktest)"
# The tarball is unpacked into .build/eest-cache once per content: its sha256 is recorded in
# .build/eest-cache.sha256 and the cache re-extracted only when it changes.
eest_tar=${STRATA_EEST:-../shared/eest/blockchain_tests-dev.tar.xz}
if [ -f "$eest_tar" ]; then
  eest_dir=.build/eest-cache
  eest_sum=$(sha256sum "$eest_tar" | cut -d ' ' -f 1)
  if [ ! -d "$eest_dir" ] || [ "$(cat .build/eest-cache.sha256 2>/dev/null)" != "$eest_sum" ]; then
    echo "unpacking $eest_tar into $eest_dir"
    rm -rf "$eest_dir" .build/eest-cache.sha256
    mkdir -p "$eest_dir"
    tar -xJf "$eest_tar" -C "$eest_dir"
    echo "$eest_sum" > .build/eest-cache.sha256
  fi
  set +e
  .build/release/strata blocktest "$eest_dir" --json .build/eest.json > .build/eest-output.txt 2>&1
  set -e
  sed -n '/^-- per network/,$p' .build/eest-output.txt
  eest_passed=$(sed -n 's/^\([0-9]*\) passed, .*/\1/p' .build/eest-output.txt | tail -n 1)
  eest_passed=${eest_passed:-0}
  eest_expected=$(cat tools/eest-baseline.txt)
  echo "execution-spec-tests: $eest_passed cases pass; the recorded baseline is $eest_expected"
  if [ "$eest_passed" -lt "$eest_expected" ]; then
    echo "*** conformance regressed: $eest_passed < $eest_expected (tools/eest-baseline.txt) ***"
    conformance=1
  fi
  echo "== execution-spec-tests with Block-STM on every multi-transaction block (--always-parallel --threads 4)"
  same_as_default eest-parallel "$eest_dir" .build/eest-output.txt --always-parallel --threads 4
else
  echo "*** WARNING: $eest_tar not found: the execution-spec-tests conformance step is SKIPPED ***"
  echo "*** (set STRATA_EEST to the blockchain_tests tarball) ***"
fi
echo "== crash safety: SIGKILL during import, 20 rounds"
crash=0
STRATA_BIN=.build/release/strata tools/crash-test.sh 20 | tail -n 3 || crash=1
[ "$conformance" -eq 0 ] && conformance=$crash
echo "== crash safety: SIGKILL during rewind, 10 rounds"
STRATA_BIN=.build/release/strata tools/rewind-crash-test.sh 10 | tail -n 3 || crash=1
[ "$conformance" -eq 0 ] && conformance=$crash
echo "== JSON-RPC: hive rpc-compat through the handler, and web3.py against strata rpc"
rpc_fixtures=${STRATA_RPC_COMPAT:-../shared/rpc-compat}
rpc=0
if [ -f "$rpc_fixtures/chain.rlp" ]; then
  .build/release/strata rpc-compat "$rpc_fixtures" > .build/rpc-compat-output.txt 2>&1 || rpc=1
  grep -E '^(FAIL|ERRATUM|    |rpc-compat: [0-9]+ of)' .build/rpc-compat-output.txt || true
else
  echo "*** WARNING: $rpc_fixtures not found: rpc-compat SKIPPED ***"
fi
STRATA_BIN=.build/release/strata tools/web3-test.sh > .build/web3-output.txt 2>&1 || rpc=1
grep -E '^(FAIL|web3.py:|\*\*\*)' .build/web3-output.txt || true
[ "$rpc" -eq 0 ] || { echo "*** JSON-RPC checks failed (.build/rpc-compat-output.txt, .build/web3-output.txt) ***"; tail -n 20 .build/web3-output.txt; }
[ "$conformance" -eq 0 ] && conformance=$rpc
echo "== summary"
grep -E "^[A-Za-z0-9 ]+: [0-9]+ passed, [0-9]+ failed" .build/test-output.txt || true
grep -E "Test run with" .build/test-output.txt || true
[ "$status" -eq 0 ] && status=$conformance
exit "$status"
