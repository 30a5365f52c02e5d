#!/usr/bin/env bash
# End-to-end check of `onchip sweep --executor slurm` on a real (single-node) Slurm cluster started on this machine
# by scripts/slurm-local.sh: a 2×2 grid of tiny runs (784-32-10, 1 epoch, 300 training and 100 test images of the
# embedded data) is submitted as an array job and followed with --wait; `onchip sweep collect` must then find
# 4 complete runs, and submitting again must find nothing to do. Slurm is stopped (daemons by PID) on every exit.
# Run from a checkout as root (slurm-local.sh installs slurm-wlm and munge with apt when missing; the daemons run as
# root), with or without a build: ./onchip builds the command line first. .ci/run calls it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "ci-slurm-check: must run as root (sudo $0)" >&2; exit 1; }

work="$(mktemp -d /tmp/onchip-slurm-check.XXXXXX)"
export ONCHIP_SLURM_HOME="$work/slurm"
sweep="$work/sweep"

say() { printf 'ci-slurm-check: %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    say "FAILED (exit code $rc)"
    for f in "$sweep"/logs/* "$sweep"/runs/*/stderr.log "$ONCHIP_SLURM_HOME"/log/*.log; do
      [ -s "$f" ] || continue
      say "---- $f"
      tail -n 30 "$f" >&2 || true
    done
  fi
  scripts/slurm-local.sh stop || say "warning: stopping Slurm failed"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

./onchip --version >/dev/null   # build the command line before any task needs it
scripts/slurm-local.sh start
# shellcheck disable=SC1091
source "$ONCHIP_SLURM_HOME/env.sh"
sinfo

cat > "$work/spec.yaml" <<'EOF'
base: {archi: 784-32-10, epochs: 1, train-limit: 300, test-limit: 100, threads: 1}
grid: {beta: [0.1, 0.5], lr: [0.001, 0.01]}
seeds: 1
EOF

say "submitting the sweep"
timeout 600 ./onchip sweep "$work/spec.yaml" --out "$sweep" --executor slurm --wait --poll 1 --max-parallel 2 --time 10 --job-name onchip-ci
grep -q '^#SBATCH --array=0-3%2$' "$sweep/sweep.sbatch" || { say "unexpected array line in sweep.sbatch"; exit 1; }

./onchip sweep collect "$sweep"
complete="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") c = i; next } $c == "complete"' "$sweep/summary.csv" | wc -l)"
rows="$(($(wc -l < "$sweep/summary.csv") - 1))"
if [ "$rows" -ne 4 ] || [ "$complete" -ne 4 ]; then
  say "summary.csv has $rows rows, $complete complete (expected 4 and 4):"
  cat "$sweep/summary.csv" >&2
  exit 1
fi

say "submitting again: every run is complete, nothing to submit"
again="$(./onchip sweep "$work/spec.yaml" --out "$sweep" --executor slurm --wait --poll 1)"
printf '%s\n' "$again"
grep -q 'nothing to do' <<< "$again" || { say "the second submission did not skip the finished runs"; exit 1; }

say "ok: 4 runs through Slurm, all complete"
