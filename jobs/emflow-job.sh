#!/bin/sh
# emflow-job.sh: restart-aware driver shared by the Slurm and PBS job files.
#
#   sh jobs/emflow-job.sh SCHEDULER TASK [CONFIG [RUNDIR]]
#
# SCHEDULER  slurm | pbs | none (run directly, e.g. to try a job file locally)
# TASK       an emflow-lqft task (init hmc train sample compare exact), or
#            "all" for the tasks listed in the config's run.tasks
# CONFIG     libconfig file; default $EMF_CONFIG
# RUNDIR     run directory; default $EMF_RUNDIR, else runs/<CONFIG name>
#
# Runs   $EMF_LAUNCHER $EMF_PROG -o RUNDIR [--set run.resume=true] $EMF_ARGS TASK CONFIG
# and passes --set run.resume=true when RUNDIR holds what the task continues
# from (train: model.h5; hmc, sample: ensemble.h5; all others: either).
# Slurm: on SIGUSR1 (#SBATCH --signal=B:USR1@300) the job requeues itself
# with scontrol.  PBS: a watchdog fires EMF_MARGIN seconds before the
# walltime and submits a successor that starts after this job ends
# (depend=afterany); the successor is deleted again if the program finishes.
# Environment (all optional): see jobs/README.md.
#   EMF_ROOT EMF_PROG EMF_LAUNCHER EMF_RESUME EMF_ARGS EMF_MAX_RESTARTS
#   EMF_MARGIN EMF_JOB_SCRIPT EMF_RESTART_COUNT EMF_PRECHECK
# Exit status: the program's, 0 after a requeue/resubmission, 1 on bad usage.
# No physics parameter is set here: everything comes from CONFIG and EMF_ARGS.

log() { printf '%s emflow-job[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$task" "$*"; }
die() { printf 'emflow-job: error: %s\n' "$*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: emflow-job.sh slurm|pbs|none TASK [CONFIG [RUNDIR]]"
sched=$1
task=$2
shift 2
case "$sched" in slurm|pbs|none) ;; *) die "unknown scheduler '$sched' (slurm, pbs, none)";; esac
case "$task" in
  init|hmc|train|sample|compare|exact|all) ;;
  *) die "unknown task '$task' (init hmc train sample compare exact all)";;
esac

case "$sched" in
  slurm) root=${EMF_ROOT:-${SLURM_SUBMIT_DIR:-$(pwd)}} ;;
  pbs)   root=${EMF_ROOT:-${PBS_O_WORKDIR:-$(pwd)}} ;;
  none)  root=${EMF_ROOT:-$(pwd)} ;;
esac
cd "$root" || die "cannot enter EMF_ROOT '$root'"

config=${1:-${EMF_CONFIG:-}}
[ -n "$config" ] || die "no configuration: give it as argument or in EMF_CONFIG"
[ -r "$config" ] || die "cannot read configuration '$config' (from $(pwd))"
name=$(basename "$config" .conf)
rundir=${2:-${EMF_RUNDIR:-runs/$name}}
prog=${EMF_PROG:-$root/bin/emflow-lqft}
[ -x "$prog" ] || die "program '$prog' not found or not executable (run make first)"
if [ -n "${EMF_LAUNCHER+set}" ]; then
  launcher=$EMF_LAUNCHER
else
  case "$sched" in slurm) launcher=srun ;; pbs) launcher=mpirun ;; none) launcher= ;; esac
fi
max_restarts=${EMF_MAX_RESTARTS:-20}
case "$sched" in
  slurm) restarts=${SLURM_RESTART_COUNT:-0} ;;
  *)     restarts=${EMF_RESTART_COUNT:-0} ;;
esac

# What a task continues from.
resume_wanted() {
  case "$task" in
    train)      [ -e "$rundir/model.h5" ] ;;
    hmc|sample) [ -e "$rundir/ensemble.h5" ] ;;
    *)          [ -e "$rundir/model.h5" ] || [ -e "$rundir/ensemble.h5" ] ;;
  esac
}
resume_arg=
case "${EMF_RESUME:-auto}" in
  auto) if resume_wanted; then resume_arg="--set run.resume=true"; fi ;;
  yes)  resume_arg="--set run.resume=true" ;;
  no)   ;;
  *)    die "EMF_RESUME must be auto, yes or no (got '${EMF_RESUME}')" ;;
esac
task_arg=$task
[ "$task" = all ] && task_arg=

# Validate before starting the ranks (serial, writes nothing); EMF_PRECHECK=no
# skips this where a program may not run outside the launcher.
if [ "${EMF_PRECHECK:-yes}" != no ]; then
  # shellcheck disable=SC2086
  "$prog" --check -o "$rundir" $resume_arg ${EMF_ARGS:-} $task_arg "$config" >/dev/null ||
    die "configuration check failed: $prog --check -o $rundir $resume_arg ${EMF_ARGS:-} $task_arg $config"
fi

requeued=0
child=
watchdog=
successor=

# shellcheck disable=SC2317  # trap handlers
on_usr1_slurm() {
  if [ "$restarts" -ge "$max_restarts" ]; then
    log "time limit near, but restart $restarts reached EMF_MAX_RESTARTS=$max_restarts: not requeueing"
    return
  fi
  log "time limit near: requeueing job ${SLURM_JOB_ID:-?} (restart $((restarts + 1)))"
  requeued=1
  scontrol requeue "${SLURM_JOB_ID:?}" || log "scontrol requeue failed"
}

# shellcheck disable=SC2317
on_usr1_pbs() {
  watchdog=
  if [ "$restarts" -ge "$max_restarts" ]; then
    log "walltime near, but restart $restarts reached EMF_MAX_RESTARTS=$max_restarts: no successor"
    return
  fi
  script=${EMF_JOB_SCRIPT:-$root/jobs/pbs/${task}_su3.pbs}
  successor=$(EMF_RESTART_COUNT=$((restarts + 1)) EMF_CONFIG=$config EMF_RUNDIR=$rundir \
              qsub -V -W "depend=afterany:${PBS_JOBID:?}" "$script") ||
    { log "qsub of the successor failed"; successor=; return; }
  requeued=1
  log "walltime near: submitted successor $successor of $script (restart $((restarts + 1)))"
}

# Seconds of a [[HH:]MM:]SS walltime.
seconds() { echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = 60 * s + $i; print s }'; }

case "$sched" in
  slurm) trap on_usr1_slurm USR1 ;;
  pbs)
    trap on_usr1_pbs USR1
    wall=$(qstat -f "${PBS_JOBID:-}" 2>/dev/null | sed -n 's/^ *Resource_List.walltime = //p')
    if [ -n "$wall" ]; then
      delay=$(( $(seconds "$wall") - ${EMF_MARGIN:-300} ))
      [ "$delay" -lt 1 ] && delay=1
      ( sleep "$delay" && kill -USR1 $$ ) &
      watchdog=$!
    else
      log "cannot read the walltime with qstat: no automatic resubmission"
    fi ;;
esac

mkdir -p "$rundir" || die "cannot create run directory '$rundir'"
log "start: restart $restarts, run directory $rundir, config $config"
log "command: $launcher $prog -o $rundir $resume_arg ${EMF_ARGS:-} $task_arg $config"
# shellcheck disable=SC2086
$launcher "$prog" -o "$rundir" $resume_arg ${EMF_ARGS:-} $task_arg "$config" &
child=$!
# wait returns early when a trapped signal arrives: wait again until the
# program has really ended.
status=0
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
if [ "$status" -eq 0 ] && [ -n "$successor" ]; then
  log "program finished before the walltime: deleting successor $successor"
  qdel "$successor" || log "qdel $successor failed"
fi
log "program exited with status $status"
[ "$requeued" -eq 1 ] && [ "$status" -ne 0 ] && exit 0
exit "$status"
