#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for the tests of `zoogen verify --slurm`.
#
#   bash tools/setup-slurm.sh        install (Debian packages), configure, start, wait until the node is idle
#
# Idempotent: run it again and it only starts what is not running (and restarts the daemons when the
# configuration it writes changed). Every address is 127.0.0.1; no cgroups (this works in a container):
# proctrack/linuxproc, task/none, select/cons_tres with a CPU partition named "cpu" holding every core.
# Needs root (apt-get, daemons as root). State and logs: /var/spool/slurm*, /var/log/slurm.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "setup-slurm.sh: run as root (it installs Debian packages and starts slurmctld/slurmd)" >&2
  exit 1
fi

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
SPOOL_CTLD=/var/spool/slurmctld
SPOOL_D=/var/spool/slurmd
LOGS=/var/log/slurm

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  echo "Installing slurmctld, slurmd, slurm-client and munge (Debian packages)..."
  apt-get update -q
  # No init system in a container: keep the packages' scripts from starting services themselves.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q --no-install-recommends \
    slurmctld slurmd slurm-client munge
fi

# --- munge: one key, one daemon ------------------------------------------------------------------------
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null
fi

# --- slurm.conf for this host -------------------------------------------------------------------------
mkdir -p "$CONF_DIR" "$SPOOL_CTLD" "$SPOOL_D" "$LOGS"
new_conf=$(mktemp)
cat >"$new_conf" <<EOF
# Written by zoogen's tools/setup-slurm.sh: a one-node test cluster on $HOST, every address 127.0.0.1.
ClusterName=zoogen
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A requeued (pre-empted) task may start again after cred_expire seconds (default 120).
AuthInfo=cred_expire=10
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$SPOOL_CTLD
SlurmdSpoolDir=$SPOOL_D
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
JobRequeue=1
MinJobAge=600
MaxArraySize=10001
SlurmctldTimeout=60
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=$HOST NodeAddr=127.0.0.1 NodeHostname=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
changed=0
if ! cmp -s "$new_conf" "$CONF"; then
  install -m 0644 "$new_conf" "$CONF"
  changed=1
fi
rm -f "$new_conf"

running() {  # running <pidfile>
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

stop() {  # stop <pidfile>
  if running "$1"; then
    kill "$(cat "$1")"
    for _ in $(seq 100); do running "$1" || break; sleep 0.1; done
  fi
}

if [ "$changed" = 1 ]; then
  stop /run/slurmd.pid
  stop /run/slurmctld.pid
fi
if ! running /run/slurmctld.pid; then
  /usr/sbin/slurmctld
fi
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
if ! running /run/slurmd.pid; then
  /usr/sbin/slurmd
fi

# --- wait for the node ------------------------------------------------------------------------------------
state=""
for i in $(seq 120); do
  state=$(sinfo -h -N -n "$HOST" -o '%T' 2>/dev/null | head -n 1 || true)
  case "$state" in
    idle|mixed|allocated|completing) break ;;
    down*|drain*|drained*) [ $((i % 10)) = 1 ] && scontrol update NodeName="$HOST" State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.5
done
case "$state" in
  idle|mixed|allocated|completing)
    echo "Slurm: node $HOST $state, partition cpu, $CPUS CPU(s) ($(sinfo --version))" ;;
  *)
    echo "setup-slurm.sh: node $HOST is '${state:-unknown}' after 60 s; logs in $LOGS:" >&2
    tail -n 20 "$LOGS/slurmctld.log" "$LOGS/slurmd.log" >&2 || true
    exit 1 ;;
esac
