#!/usr/bin/env bash
# local-slurm.sh: a single-node Slurm on this machine, without systemd, to try hsweep's
# batch script on a workstation (and to test it in CI, .ci/jobs/30-slurm.sh).
#
#   scripts/slurm/local-slurm.sh start    install (Debian, root) and start munged, slurmctld
#                                         and slurmd; prints the `export SLURM_CONF=...` line
#   scripts/slurm/local-slurm.sh stop     cancel every job, stop the three daemons (pid files)
#   scripts/slurm/local-slurm.sh status   daemons, node state, queue
#   scripts/slurm/local-slurm.sh env      print the `export SLURM_CONF=...` line
#
# Needs root (slurmd starts jobs as their users). Everything lives in one directory,
# HSWEEP_SLURM_DIR (default /tmp/hsweep-slurm): slurm.conf, a munge key and socket of its
# own (a system munged, if any, is left alone), state, spool, logs and pid files. Slurm's
# client commands find the cluster through SLURM_CONF=$HSWEEP_SLURM_DIR/slurm.conf.
#
# The cluster: one node (this host, `slurmd -C`), one partition `local`, select/cons_tres
# (CR_Core), proctrack/linuxproc, task/none, no accounting, MPI plugin pmix, pending jobs
# looked at every 2 s. Short timeouts suit tests; set them in the environment before `start`:
#   HSWEEP_SLURM_KILLWAIT=10       s between SIGTERM and SIGKILL at the time limit (KillWait)
#   HSWEEP_SLURM_OVERTIME=0        minutes a job may overrun its limit (OverTimeLimit)
#   HSWEEP_SLURM_REQUEUE_DELAY=10  s a requeued job waits before it may start again
#                                  (AuthInfo cred_expire; Slurm's default is 120)
#   HSWEEP_SLURM_PORT=6817         slurmctld port (slurmd uses the next one)
# Debian 12 packages: slurmctld slurmd slurm-client munge (22.05); other systems: install
# Slurm and MUNGE from your distribution and run this script the same way.
set -euo pipefail
dir=${HSWEEP_SLURM_DIR:-/tmp/hsweep-slurm}
conf=$dir/slurm.conf
export SLURM_CONF=$conf
cmd=${1:-}

die() { echo "local-slurm: $*" >&2; exit 1; }

# pid_of NAME: the live pid recorded in $dir/NAME.pid, or nothing.
pid_of() {
    local p
    p=$(cat "$dir/$1.pid" 2>/dev/null) || return 0
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
    return 0
}

install_packages() {
    local missing=() p
    for p in slurmctld slurmd slurm-client munge; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get > /dev/null || die "Slurm or MUNGE missing (${missing[*]}): install them with your package manager"
    echo "local-slurm: installing ${missing[*]}" >&2
    # the packages' own services must not start (no systemd here; policy-rc.d may say so)
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q \
        --no-install-recommends "${missing[@]}" > "$dir/apt.log" 2>&1 ||
        { cat "$dir/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
}

write_conf() {
    local node host
    host=$(hostname -s)
    node=$(slurmd -C | head -n 1)   # NodeName=host CPUs=.. Boards=.. ... RealMemory=..
    cat > "$conf" <<EOF
# written by scripts/slurm/local-slurm.sh: a single-node test cluster
ClusterName=hsweep-local
SlurmctldHost=$host
SlurmctldPort=${HSWEEP_SLURM_PORT:-6817}
SlurmdPort=$(( ${HSWEEP_SLURM_PORT:-6817} + 1 ))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket,cred_expire=${HSWEEP_SLURM_REQUEUE_DELAY:-10}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=${HSWEEP_SLURM_KILLWAIT:-10}
OverTimeLimit=${HSWEEP_SLURM_OVERTIME:-0}
MinJobAge=600
InactiveLimit=0
$node State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
    [ "$(id -u)" -eq 0 ] || die "needs root (slurmd starts jobs as their users)"
    mkdir -p "$dir"
    if [ -n "$(pid_of slurmctld)$(pid_of slurmd)$(pid_of munged)" ]; then
        die "already running in $dir (run '$0 stop' first)"
    fi
    install_packages
    rm -rf "$dir/state" "$dir/spool"
    mkdir -p "$dir/state" "$dir/spool"
    chmod 700 "$dir"
    if [ ! -s "$dir/munge.key" ]; then
        dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
        chmod 400 "$dir/munge.key"
    fi
    write_conf
    munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" ||
        die "munged did not start (log: $dir/munged.log)"
    slurmctld -f "$conf" || die "slurmctld did not start (log: $dir/slurmctld.log)"
    slurmd -f "$conf" || die "slurmd did not start (log: $dir/slurmd.log)"
    # wait until the node is idle (a node that was 'down' from an earlier run is resumed)
    local state="" i
    for i in $(seq 1 60); do
        state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1) || state=""
        case $state in
        idle) break ;;
        down*|drain*) scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true ;;
        esac
        sleep 1
    done
    [ "$state" = idle ] || { tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2;
                            die "node not idle after 60 s (state '$state')"; }
    echo "local-slurm: running (munged $(pid_of munged), slurmctld $(pid_of slurmctld)," \
         "slurmd $(pid_of slurmd)); for Slurm's commands:"
    echo "export SLURM_CONF=$conf"
}

stop() {
    local name p i
    # cancel the jobs first, so that no job step outlives slurmd
    if [ -n "$(pid_of slurmctld)" ] && [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
        scancel --full $(squeue -h -o %i) 2>/dev/null || true
        for i in $(seq 1 60); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
    fi
    for name in slurmd slurmctld munged; do
        p=$(pid_of "$name")
        [ -n "$p" ] || continue
        kill "$p"
        for i in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$p" 2>/dev/null; then
            echo "local-slurm: $name ($p) still running after 15 s: SIGKILL" >&2
            kill -9 "$p"
        fi
        echo "local-slurm: stopped $name ($p)"
    done
}

status() {
    local name
    for name in munged slurmctld slurmd; do
        printf '%-10s %s\n' "$name" "$(pid_of "$name" || true)"
    done
    if [ -n "$(pid_of slurmctld)" ]; then sinfo; squeue; fi
}

case $cmd in
start) start ;;
stop) stop ;;
status) status ;;
env) echo "export SLURM_CONF=$conf" ;;
*) echo "usage: $0 start|stop|status|env   (HSWEEP_SLURM_DIR=$dir)" >&2; exit 2 ;;
esac
