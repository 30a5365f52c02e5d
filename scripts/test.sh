#!/usr/bin/env bash
# The whole test suite (the README's second command). The accuracy tests train on the full Fashion-MNIST, which
# Debian ships as dataset-fashion-mnist; install it when it is missing and we are allowed to.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -z "${ONCHIP_DATA:-}" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing Debian's dataset-fashion-mnist (needed by the accuracy tests)..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist
fi
exec dotnet test OnChip.slnx -c Release "$@"
