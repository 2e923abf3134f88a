#!/usr/bin/env bash
# Installs the Debian packages cmbulk needs to build and test, when missing and run as root.
# Sourced by scripts/test.sh and scripts/demo.sh; safe to run again (it installs nothing twice).
set -euo pipefail
CMBULK_PACKAGES=(cmake ninja-build g++ libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
                 libboost-program-options1.81-dev libboost-test1.81-dev libssl-dev curl
                 libtomlplusplus-dev pkg-config  # toml++: profiles and the credentials file
                 python3 python3-requests openssl
                 clang libclang-rt-14-dev  # clang: the libFuzzer targets (scripts/fuzz.sh)
                 clang-format              # scripts/format.sh --check (CI)
                 tinyproxy-bin chromium dpkg-dev)  # proxy test, HTML report test, .deb test
missing=()
for p in "${CMBULK_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "cmbulk: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "cmbulk: missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 2
  fi
fi
