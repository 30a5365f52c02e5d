#!/usr/bin/env bash
# Produces data/embedded/*.gz, the Fashion-MNIST subset compiled into the OnChip assembly:
# the first 6,000 training and the first 1,000 test examples, as IDX files whose header count is
# rewritten to 6000 / 1000, compressed with `gzip -n -9` (no name, no timestamp) so that running
# this script again reproduces byte-identical files. Needs only bash, coreutils and gzip.
#
# Usage: scripts/make-embedded-data.sh [SOURCE_DIR] [OUTPUT_DIR]
#   SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)
#   OUTPUT_DIR defaults to data/embedded next to this script's parent directory
#
# It also writes OUTPUT_DIR/SHA256SUMS and prints the class balance of both subsets.
set -euo pipefail
export LC_ALL=C

TRAIN_COUNT=6000
TEST_COUNT=1000
ROWS=28
COLS=28

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="${1:-/usr/share/datasets/fashion-mnist}"
out="${2:-$here/../data/embedded}"

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  if [[ ! -f "$src/$f" ]]; then
    echo "error: $src/$f not found (install it with: sudo apt-get install dataset-fashion-mnist)" >&2
    exit 1
  fi
done
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# be32 N: the 4 big-endian bytes of N as a printf escape string.
be32() {
  printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(( ($1 >> 24) & 255 )) $(( ($1 >> 16) & 255 )) $(( ($1 >> 8) & 255 )) $(( $1 & 255 ))
}

# header_hex FILE BYTES: the first BYTES bytes of FILE as one lowercase hex string.
header_hex() {
  head -c "$2" "$1" | od -An -v -tx1 | tr -d ' \n'
}

# subset NAME KIND COUNT: writes $out/NAME (.gz) holding the first COUNT examples of $src/NAME.
#   KIND is "images" (magic 0x00000803, 16-byte header, ROWS*COLS bytes per example)
#   or "labels" (magic 0x00000801, 8-byte header, 1 byte per example).
subset() {
  local name="$1" kind="$2" count="$3" raw="$tmp/${1%.gz}" header_len per_example expect_magic header
  gzip -dc "$src/$name" > "$raw"
  if [[ "$kind" == images ]]; then
    header_len=16; per_example=$(( ROWS * COLS )); expect_magic=00000803
  else
    header_len=8; per_example=1; expect_magic=00000801
  fi
  local hex; hex="$(header_hex "$raw" "$header_len")"
  if [[ "${hex:0:8}" != "$expect_magic" ]]; then
    echo "error: $src/$name: magic 0x${hex:0:8}, expected 0x$expect_magic" >&2; exit 1
  fi
  local source_count=$(( 16#${hex:8:8} ))
  if (( source_count < count )); then
    echo "error: $src/$name holds $source_count examples, fewer than $count" >&2; exit 1
  fi
  if [[ "$kind" == images ]]; then
    if (( 16#${hex:16:8} != ROWS || 16#${hex:24:8} != COLS )); then
      echo "error: $src/$name: images are not ${ROWS}x${COLS}" >&2; exit 1
    fi
    header="\\x00\\x00\\x08\\x03$(be32 "$count")$(be32 "$ROWS")$(be32 "$COLS")"
  else
    header="\\x00\\x00\\x08\\x01$(be32 "$count")"
  fi
  {
    printf "$header"
    dd if="$raw" bs=65536 skip="$header_len" count=$(( count * per_example )) iflag=skip_bytes,count_bytes status=none
  } | gzip -n -9 > "$out/$name"
  local size; size=$(( $(gzip -dc "$out/$name" | wc -c) ))
  if (( size != header_len + count * per_example )); then
    echo "error: $out/$name decompresses to $size bytes, expected $(( header_len + count * per_example ))" >&2; exit 1
  fi
}

# balance NAME COUNT: prints "label:count" for each class of the label subset $out/NAME.
balance() {
  gzip -dc "$out/$1" | tail -c +9 | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$' | sort -n | uniq -c \
    | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 } END { print "" }'
}

subset train-images-idx3-ubyte.gz images "$TRAIN_COUNT"
subset train-labels-idx1-ubyte.gz labels "$TRAIN_COUNT"
subset t10k-images-idx3-ubyte.gz images "$TEST_COUNT"
subset t10k-labels-idx1-ubyte.gz labels "$TEST_COUNT"

(cd "$out" && sha256sum train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz > SHA256SUMS)

echo "wrote $TRAIN_COUNT training and $TEST_COUNT test examples to $out"
echo "train class balance (label:count): $(balance train-labels-idx1-ubyte.gz)"
echo "test  class balance (label:count): $(balance t10k-labels-idx1-ubyte.gz)"
cat "$out/SHA256SUMS"
