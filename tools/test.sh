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
echo "== summary"
grep -E "^[A-Za-z0-9 ]+: [0-9]+ passed, [0-9]+ failed" .build/test-output.txt || true
grep -E "Test run with" .build/test-output.txt || true
exit "$status"
