#!/bin/sh
# test_jobs.sh: the restart logic of jobs/emflow-job.sh and the job files,
# with stand-ins for emflow-lqft, srun, scontrol, qsub, qstat and qdel.
#
# TIMEOUT: 120
#
# Checked (each prints PASS/FAIL; exit status = number of failures):
# - the command line: -o RUNDIR, the task, the config from the argument or
#   from EMF_CONFIG, EMF_ARGS passed through, a --check run before;
# - --set run.resume=true exactly when the run directory holds what the
#   task continues from (train: model.h5; hmc, sample: ensemble.h5), and
#   EMF_RESUME=yes|no forcing it;
# - bad usage (no config, unreadable config, unknown task) exits 1 with a
#   message naming the problem, without running the program;
# - Slurm: SIGUSR1 to the driver calls "scontrol requeue JOBID" and the
#   driver exits 0; not at SLURM_RESTART_COUNT >= EMF_MAX_RESTARTS; the
#   sbatch files carry --signal=B:USR1@300 and --requeue and reach the
#   driver with their arguments;
# - PBS: the walltime watchdog submits a successor with
#   depend=afterany:JOBID, EMF_RESTART_COUNT + 1 and the job file, and
#   deletes it with qdel when the program then finishes with status 0.
set -u
root=${EMF_ROOT:-$(pwd)}
driver=$root/jobs/emflow-job.sh
tmp=$root/build/tmp/test_jobs
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/runs"
fails=0; passes=0
ok() { passes=$((passes + 1)); [ -n "${CHECK_VERBOSE:-}" ] && echo "PASS: $1"; return 0; }
bad() { fails=$((fails + 1)); echo "FAIL: $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# stand-in program: records its arguments, sleeps FAKE_SLEEP, exits FAKE_RC
cat > "$tmp/bin/emflow-lqft" <<'EOF'
#!/bin/sh
case " $* " in *" --check "*) echo "check $*" >> "$FAKE_LOG"; exit 0;; esac
echo "run $*" >> "$FAKE_LOG"
sleep "${FAKE_SLEEP:-0}"
exit "${FAKE_RC:-0}"
EOF
for t in scontrol qsub qdel; do
  cat > "$tmp/bin/$t" <<EOF
#!/bin/sh
echo "$t \$* restart=\${EMF_RESTART_COUNT:-} config=\${EMF_CONFIG:-}" >> "\$FAKE_LOG"
[ "$t" = qsub ] && echo 99.server
exit 0
EOF
done
cat > "$tmp/bin/srun" <<'EOF'
#!/bin/sh
echo "srun" >> "$FAKE_LOG"
exec "$@"
EOF
cat > "$tmp/bin/qstat" <<'EOF'
#!/bin/sh
printf 'Job Id: 77.server\n    Resource_List.walltime = 00:00:03\n'
EOF
chmod +x "$tmp/bin/"*
printf 'run = { seed = 1; };\n' > "$tmp/su3.conf"
export PATH="$tmp/bin:$PATH" EMF_PROG="$tmp/bin/emflow-lqft" FAKE_LOG="$tmp/log"
unset EMF_CONFIG EMF_RUNDIR EMF_ARGS EMF_RESUME EMF_LAUNCHER SLURM_RESTART_COUNT \
      EMF_RESTART_COUNT EMF_MAX_RESTARTS 2>/dev/null

drive() {  # drive SCHED TASK ARGS... : runs the driver, output in $tmp/out
  : > "$FAKE_LOG"
  sh "$driver" "$@" > "$tmp/out" 2>&1
}
runline() { grep '^run ' "$FAKE_LOG"; }

# command line and resume detection
rd=$tmp/runs/a
drive none hmc "$tmp/su3.conf" "$rd"; rc=$?
check "plain run exits 0" '[ $rc -eq 0 ]'
check "command: -o RUNDIR hmc CONFIG" '[ "$(runline)" = "run -o $rd hmc $tmp/su3.conf" ]'
check "--check run first" 'grep -q "^check --check -o $rd hmc" "$FAKE_LOG"'
touch "$rd/ensemble.h5"
drive none hmc "$tmp/su3.conf" "$rd"
check "hmc with ensemble.h5: resume" '[ "$(runline)" = "run -o $rd --set run.resume=true hmc $tmp/su3.conf" ]'
drive none train "$tmp/su3.conf" "$rd"
check "train with only ensemble.h5: no resume" '! runline | grep -q resume'
touch "$rd/model.h5"
drive none train "$tmp/su3.conf" "$rd"
check "train with model.h5: resume" 'runline | grep -q "run.resume=true train"'
rm "$rd/ensemble.h5"
drive none sample "$tmp/su3.conf" "$rd"
check "sample with only model.h5: no resume" '! runline | grep -q resume'
EMF_RESUME=no drive none train "$tmp/su3.conf" "$rd"
check "EMF_RESUME=no" '! runline | grep -q resume'
EMF_RESUME=yes drive none sample "$tmp/su3.conf" "$tmp/runs/b"
check "EMF_RESUME=yes" 'runline | grep -q "run.resume=true sample"'
EMF_CONFIG="$tmp/su3.conf" EMF_ARGS="--set action.beta=5.5" drive none all
check "config from EMF_CONFIG, default RUNDIR, EMF_ARGS, task all" \
  '[ "$(runline)" = "run -o runs/su3 --set action.beta=5.5 $tmp/su3.conf" ]'
rm -rf "$root/runs/su3" 2>/dev/null; rmdir "$root/runs" 2>/dev/null

# bad usage
drive none hmc; rc=$?
check "no config: exit 1" '[ $rc -eq 1 ] && grep -q "no configuration" "$tmp/out" && [ -z "$(runline)" ]'
drive none hmc "$tmp/none.conf"; rc=$?
check "unreadable config: exit 1 naming it" '[ $rc -eq 1 ] && grep -q "none.conf" "$tmp/out"'
drive none dance "$tmp/su3.conf"; rc=$?
check "unknown task: exit 1" '[ $rc -eq 1 ] && grep -q "unknown task" "$tmp/out"'

# Slurm: SIGUSR1 requeues
: > "$FAKE_LOG"
SLURM_JOB_ID=1234 FAKE_SLEEP=3 sh "$driver" slurm hmc "$tmp/su3.conf" "$tmp/runs/s" > "$tmp/out" 2>&1 &
pid=$!
sleep 1
kill -USR1 $pid
wait $pid; rc=$?
check "slurm: launched with srun" 'grep -q "^srun" "$FAKE_LOG"'
check "slurm: USR1 -> scontrol requeue 1234" 'grep -q "^scontrol requeue 1234" "$FAKE_LOG"'
check "slurm: driver exits 0 after requeue" '[ $rc -eq 0 ]'
: > "$FAKE_LOG"
SLURM_JOB_ID=1234 SLURM_RESTART_COUNT=3 EMF_MAX_RESTARTS=3 FAKE_SLEEP=2 \
  sh "$driver" slurm hmc "$tmp/su3.conf" "$tmp/runs/s" > "$tmp/out" 2>&1 &
pid=$!
sleep 1
kill -USR1 $pid
wait $pid
check "slurm: no requeue at EMF_MAX_RESTARTS" '! grep -q "^scontrol" "$FAKE_LOG" && grep -q "not requeueing" "$tmp/out"'
for f in hmc train sample; do
  sb=$root/jobs/slurm/${f}_su3.sbatch
  check "$f sbatch: --signal=B:USR1@300, --requeue" \
    'grep -q "^#SBATCH --signal=B:USR1@300" "$sb" && grep -q "^#SBATCH --requeue" "$sb"'
  : > "$FAKE_LOG"
  EMF_ROOT=$root SLURM_JOB_ID=1 EMF_LAUNCHER= bash "$sb" "$tmp/su3.conf" "$tmp/runs/j" > "$tmp/out" 2>&1
  check "$f sbatch reaches the driver with its arguments" \
    '[ "$(runline)" = "run -o $tmp/runs/j $f $tmp/su3.conf" ]'
  pb=$root/jobs/pbs/${f}_su3.pbs
  check "$f pbs file runs task $f" 'grep -q "emflow-job.sh\" pbs $f\$" "$pb"'
done

# PBS: watchdog submits a successor, deleted when the program finishes
: > "$FAKE_LOG"
PBS_JOBID=77.server EMF_MARGIN=1 EMF_LAUNCHER= FAKE_SLEEP=4 EMF_RESTART_COUNT=2 \
  EMF_JOB_SCRIPT=/x/hmc.pbs sh "$driver" pbs hmc "$tmp/su3.conf" "$tmp/runs/p" > "$tmp/out" 2>&1
rc=$?
check "pbs: successor submitted after this job" \
  'grep -q "^qsub -V -W depend=afterany:77.server /x/hmc.pbs restart=3 config=$tmp/su3.conf" "$FAKE_LOG"'
check "pbs: successor deleted after a finished run" 'grep -q "^qdel 99.server" "$FAKE_LOG"'
check "pbs: exit 0" '[ $rc -eq 0 ]'
: > "$FAKE_LOG"
PBS_JOBID=77.server EMF_MARGIN=1 EMF_LAUNCHER= FAKE_SLEEP=4 FAKE_RC=143 \
  EMF_JOB_SCRIPT=/x/hmc.pbs sh "$driver" pbs hmc "$tmp/su3.conf" "$tmp/runs/p" > "$tmp/out" 2>&1
rc=$?
check "pbs: killed run keeps its successor" 'grep -q "^qsub" "$FAKE_LOG" && ! grep -q "^qdel" "$FAKE_LOG"'
check "pbs: exit 0 after resubmission" '[ $rc -eq 0 ]'

echo "test_jobs: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
