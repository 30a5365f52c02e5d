#!/usr/bin/env bash
# The whole test suite (the README's second command). The accuracy tests train on the full Fashion-MNIST, which
# Debian ships as dataset-fashion-mnist; install it when it is missing and we are allowed to.
set -euo pipefail
cd "$(dirname "$0")/.."
# The HTML report tests render reports in headless Chromium (Debian's chromium); the SPICE tests need ngspice.
packages=()
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -z "${ONCHIP_DATA:-}" ]; then
  packages+=(dataset-fashion-mnist)
fi
if [ ! -x /usr/bin/chromium ] && [ -z "${ONCHIP_CHROMIUM:-}" ]; then
  packages+=(chromium)
fi
# The SPICE check of resistive networks runs Debian's ngspice on exported netlists.
if ! command -v ngspice >/dev/null 2>&1; then
  packages+=(ngspice)
fi
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing Debian's ${packages[*]} (needed by the accuracy and report tests)..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi
exec dotnet test OnChip.slnx -c Release "$@"
