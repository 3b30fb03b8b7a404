#!/usr/bin/env bash
# Installs every Debian package aimc's build, tests and model scripts use.
# Idempotent: when everything is present it only checks (a second or two).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format clang-tidy clang libclang-rt-14-dev libomp-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libdnnl-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev librandom123-dev zlib1g-dev libsqlite3-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-dev
  python3-torch python3-torchvision python3-onnx python3-numpy python3-pytest python3-matplotlib python3-yaml
  chromium
  libopenmpi-dev openmpi-bin
  libopenblas0-pthread
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
