#!/usr/bin/env bash
# A single-node Slurm cluster on this machine (controller and compute node on 127.0.0.1), for testing
# `onchip sweep --executor slurm` for real. Usage:
#
#   scripts/slurm-local.sh start    # installs slurm-wlm and munge when missing (as root, with apt), starts munged,
#                                   # slurmctld and slurmd, waits until the node is idle, prints `export SLURM_CONF=…`
#   scripts/slurm-local.sh status   # daemons and their PIDs, sinfo
#   scripts/slurm-local.sh stop     # cancels the cluster's jobs, stops the daemons by PID, removes the directory
#
# Everything (slurm.conf, munge key and socket, state, spool, logs, PID files) lives in one directory,
# $ONCHIP_SLURM_HOME (default /tmp/onchip-slurm-local); nothing under /etc is used. Clients (sbatch, squeue, sinfo,
# scontrol…) need SLURM_CONF: `source "$ONCHIP_SLURM_HOME/env.sh"` after start.
# Environment: ONCHIP_SLURM_HOME (directory), ONCHIP_SLURM_PORT (controller port, default 6817; slurmd uses +1),
# ONCHIP_SLURM_NO_INSTALL=1 (fail instead of installing missing packages).
set -euo pipefail

home="${ONCHIP_SLURM_HOME:-/tmp/onchip-slurm-local}"
port="${ONCHIP_SLURM_PORT:-6817}"
conf="$home/slurm.conf"
pids="$home/pids"
envfile="$home/env.sh"

say() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Is the process recorded under NAME in the PID file alive?
pid_of() { [ -f "$pids" ] && awk -v n="$1" '$1 == n { print $2 }' "$pids" | tail -n 1; }
alive() { local p; p="$(pid_of "$1")"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

install_packages() {
  local missing=()
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  { command -v slurmctld && command -v slurmd && command -v sbatch; } >/dev/null 2>&1 || missing+=(slurm-wlm)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "${ONCHIP_SLURM_NO_INSTALL:-}" = 1 ] && die "missing ${missing[*]} (ONCHIP_SLURM_NO_INSTALL=1)"
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]} (apt-get)..."
  # Keep the packages' services from starting (they would use /etc/slurm and /etc/munge, which we do not set up).
  local policy=/usr/sbin/policy-rc.d ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    ours=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  [ "$ours" = 1 ] && rm -f "$policy"
  [ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed"
}

wait_for() { # SECONDS DESCRIPTION COMMAND...
  local limit="$1" what="$2"; shift 2
  local i
  for ((i = 0; i < limit * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

node_idle() { [ -n "$(SLURM_CONF="$conf" sinfo -h -N -t idle -o %N 2>/dev/null)" ]; }

show_logs() {
  local f
  for f in "$home"/log/*.log "$home"/munge/munged.log; do
    [ -f "$f" ] || continue
    say "---- last lines of $f"
    tail -n 25 "$f" >&2 || true
  done
}

start() {
  if [ -f "$pids" ] && alive slurmctld && alive slurmd && alive munged; then
    say "already running in $home"
    echo "export SLURM_CONF=$conf"
    return 0
  fi
  [ -e "$home" ] && { say "removing a stale $home"; stop_daemons; rm -rf "$home"; }
  install_packages

  mkdir -p "$home"/{state,spool,log,munge}
  chmod 700 "$home/munge"
  : > "$pids"
  local host cpus mem version select
  host="$(hostname -s)"
  cpus="$(nproc)"
  # RealMemory in MiB, a little under the total so slurmd never finds less than configured.
  mem="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)"
  version="$(slurmctld -V | awk '{ print $2 }')"
  select=select/cons_tres
  [ -e "/usr/lib/x86_64-linux-gnu/slurm-wlm/select_cons_tres.so" ] || [ -e "/usr/lib/slurm/select_cons_tres.so" ] || \
    ls /usr/lib/*/slurm*/select_cons_tres.so >/dev/null 2>&1 || select=select/cons_res

  # munge: our own key and socket (--force: runs as root and accepts the permissions of a temporary directory).
  dd if=/dev/urandom of="$home/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$home/munge/munge.key"
  munged --force --socket="$home/munge/munge.socket.2" --key-file="$home/munge/munge.key" \
    --pid-file="$home/munge/munged.pid" --log-file="$home/munge/munged.log" --seed-file="$home/munge/munged.seed"
  wait_for 10 munged test -s "$home/munge/munged.pid" || { show_logs; die "munged did not start"; }
  echo "munged $(cat "$home/munge/munged.pid")" >> "$pids"

  cat > "$conf" <<EOF
# Single-node Slurm for OnChip's tests (scripts/slurm-local.sh), Slurm $version.
ClusterName=onchiplocal
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$home/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$home/state
SlurmdSpoolDir=$home/spool
SlurmctldPidFile=$home/slurmctld.pid
SlurmdPidFile=$home/slurmd.pid
SlurmctldLogFile=$home/log/slurmctld.log
SlurmdLogFile=$home/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=$select
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
MaxArraySize=10001
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

  export SLURM_CONF="$conf"
  slurmctld -f "$conf" -c
  wait_for 20 slurmctld test -s "$home/slurmctld.pid" || { show_logs; die "slurmctld did not start"; }
  echo "slurmctld $(cat "$home/slurmctld.pid")" >> "$pids"
  slurmd -f "$conf"
  wait_for 20 slurmd test -s "$home/slurmd.pid" || { show_logs; die "slurmd did not start"; }
  echo "slurmd $(cat "$home/slurmd.pid")" >> "$pids"

  if ! wait_for 60 "the node" node_idle; then
    sinfo -N -l >&2 || true
    show_logs
    die "the node did not become idle within 60 s"
  fi
  echo "export SLURM_CONF=$conf" > "$envfile"
  say "Slurm $version running: $host, $cpus CPUs, ${mem} MiB, partition local ($select); PIDs in $pids"
  say "clients need: source $envfile"
  echo "export SLURM_CONF=$conf"
}

# Cancels the cluster's jobs (through its own controller), then stops the daemons recorded in the PID file.
stop_daemons() {
  if alive slurmctld; then
    local jobs
    jobs="$(SLURM_CONF="$conf" squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')"
    if [ -n "${jobs// /}" ]; then
      say "cancelling jobs $jobs"
      # shellcheck disable=SC2086
      SLURM_CONF="$conf" scancel $jobs 2>/dev/null || true
      wait_for 20 "jobs to end" sh -c "[ -z \"\$(SLURM_CONF='$conf' squeue -h -o %A 2>/dev/null)\" ]" || say "some jobs did not end"
    fi
  fi
  local name pid
  for name in slurmd slurmctld munged; do
    pid="$(pid_of "$name" || true)"
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      if ! wait_for 15 "$name to stop" sh -c "! kill -0 $pid"; then
        say "$name ($pid) ignored SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  done
}

stop() {
  if [ ! -e "$home" ]; then
    say "not running ($home does not exist)"
    return 0
  fi
  stop_daemons
  rm -rf "$home"
  say "stopped; removed $home"
}

status() {
  if [ ! -f "$pids" ]; then
    say "not running ($home)"
    return 1
  fi
  local ok=0 name pid
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then echo "$name $pid running"; else echo "$name $pid NOT running"; ok=1; fi
  done < "$pids"
  SLURM_CONF="$conf" sinfo -N -l || ok=1
  echo "export SLURM_CONF=$conf"
  return "$ok"
}

need_root() {
  # The daemons run as root (SlurmUser=root, munged --force): a single-user test cluster, not a shared one.
  [ "$(id -u)" -eq 0 ] || die "must run as root (the Slurm and munge daemons run as root here): sudo $0 $1"
}

case "${1:-}" in
  start) need_root start; start ;;
  stop) need_root stop; stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
