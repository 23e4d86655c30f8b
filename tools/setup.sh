#!/usr/bin/env bash
# Installs the three system libraries Strata links (LMDB, libsecp256k1, OpenSSL's libcrypto)
# when they are missing. Needs root (or sudo) on Debian/Ubuntu; does nothing when all are present.
set -euo pipefail
missing=()
for pkg in liblmdb-dev libsecp256k1-dev libssl-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: the Swift toolchain (6.0 or later) is required: https://www.swift.org/install/" >&2
  exit 1
fi
for lib in lmdb libsecp256k1 libcrypto; do
  pkg-config --exists "$lib" || { echo "setup: pkg-config cannot find $lib after install" >&2; exit 1; }
done
echo "setup: system libraries present (lmdb, libsecp256k1, libcrypto)"
