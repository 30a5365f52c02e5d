#!/usr/bin/env bash
# End-to-end check of `onchip sweep --executor slurm` on a real (single-node) Slurm cluster started on this machine
# by scripts/slurm-local.sh: a 2×2 grid of tiny runs (784-32-10, 2 epochs, 300 training and 100 test images of the
# embedded data) is submitted as an array job and followed with --wait; `onchip sweep collect` must then find
# 4 complete runs. Then one run is cut back to its first epoch (as if killed) and one is reset to not started:
# submitting again must resume the first from its checkpoint and start the second, as tasks 1 and 3 only; a third
# submission must find nothing to do. Slurm is stopped (daemons by PID) on every exit.
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
base: {archi: 784-32-10, epochs: 2, train-limit: 300, test-limit: 100, threads: 1}
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

[ "$(($(wc -l < "$sweep/summary_by_config.csv") - 1))" -eq 4 ] || { say "summary_by_config.csv should have 4 configurations"; exit 1; }
[ -s "$sweep/report.html" ] || { say "no report.html"; exit 1; }

say "run 0001 as if killed in epoch 2, run 0003 as if never started: submitting again resumes and starts them"
before="$(cut -d, -f1-5 "$sweep/runs/0001/metrics.jsonl")"
rm "$sweep/runs/0001/checkpoint.onchip" "$sweep/runs/0001/model.onchip"
head -n 1 "$sweep/runs/0001/metrics.jsonl" > "$work/first" && mv "$work/first" "$sweep/runs/0001/metrics.jsonl"
find "$sweep/runs/0003" -type f ! -name config.yaml -delete
second="$(timeout 600 ./onchip sweep "$work/spec.yaml" --out "$sweep" --executor slurm --wait --poll 1)"
printf '%s\n' "$second"
grep -q '2 complete (skipped), 1 to resume, 1 to start' <<< "$second" || { say "expected 2 skipped, 1 resumed, 1 started"; exit 1; }
grep -q '^#SBATCH --array=1,3$' "$sweep/sweep.sbatch" || { say "the second array should be tasks 1 and 3"; exit 1; }
grep -q 'onchip train --resume .*/runs/0001$' "$sweep"/logs/*_0001.out || { say "task 1 did not resume run 0001"; exit 1; }
[ "$(cut -d, -f1-5 "$sweep/runs/0001/metrics.jsonl")" = "$before" ] || { say "the resumed run 0001 differs from its uninterrupted metrics"; exit 1; }
./onchip sweep collect "$sweep" | grep -q '^4 run(s): 4 complete' || { say "not all 4 runs complete after the second submission"; exit 1; }

say "submitting again: every run is complete, nothing to submit"
again="$(./onchip sweep "$work/spec.yaml" --out "$sweep" --executor slurm --wait --poll 1)"
printf '%s\n' "$again"
grep -q 'nothing to do' <<< "$again" || { say "the third submission did not skip the finished runs"; exit 1; }

say "ok: 4 runs through Slurm, resumed and restarted through Slurm, all complete"
