#!/bin/sh
# Test runner: tests/run.sh fast|long [PATTERN]
#
# Runs every test program build/tests/**/*.x (built from tests/**/*.c) and
# every script tests/**/test_*.sh whose source names the suite, and ends with
# one line "N passed, M failed".  Markers read from a test's first 40 lines:
#   NP: 1 2 4        run under mpirun at each of these process counts
#                    (scripts: run once per count with EMF_NP set)
#                    (absent: run once, without mpirun; a test under
#                    tests/mpi without it fails)
#   SUITE: long      run only by 'make check-long' (default: fast)
#   TIMEOUT: 300     seconds per run (default 600)
# A run passes when it exits 0.  Logs go to build/test-logs/.  A test
# program older than its source or build/libemflow.a fails as stale (plain
# make rebuilds the programs only; make tests rebuilds the tests).
set -u
suite=${1:-fast}
pattern=${2:-}
root=$(pwd)
logdir=build/test-logs
mkdir -p "$logdir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_pml=ob1
export OMPI_MCA_btl=self,vader HWLOC_COMPONENTS=-x86
export EMF_ROOT="$root" EMF_BIN="$root/bin/emflow-lqft"
pass=0; fail=0; failed=""

marker() {  # marker FILE NAME -> value after "NAME:" in the first 40 lines
  head -n 40 "$1" | sed -n "s/.*$2:[ ]*\([^*]*\).*/\1/p" | head -n 1 | sed 's/ *$//'
}

run_one() {  # run_one NAME LOG TIMEOUT CMD...
  name=$1; log=$2; tmo=$3; shift 3
  t0=$(date +%s)
  if timeout -k 10 "$tmo" "$@" >"$log" 2>&1 </dev/null; then
    pass=$((pass + 1)); printf 'PASS %-52s %4ss\n' "$name" $(( $(date +%s) - t0 ))
  else
    rc=$?
    fail=$((fail + 1)); failed="$failed $name"
    printf 'FAIL %-52s (exit %d, log %s)\n' "$name" "$rc" "$log"
    grep -E '^FAIL|error' "$log" | head -n 8 | sed 's/^/     | /'
  fi
}

for src in $(find tests -name '*.c' -not -path 'tests/lib/*' | sort) \
           $(find tests -name 'test_*.sh' | sort); do
  case "$src" in *"$pattern"*) ;; *) continue ;; esac
  s=$(marker "$src" SUITE); [ -z "$s" ] && s=fast
  [ "$s" = "$suite" ] || continue
  np=$(marker "$src" NP); tmo=$(marker "$src" TIMEOUT); [ -z "$tmo" ] && tmo=600
  base=${src#tests/}; base=${base%.*}
  case "$src" in
    tests/mpi/*) if [ -z "$np" ]; then fail=$((fail+1)); failed="$failed $base"
        echo "FAIL $base (no NP: marker in its first 40 lines; every tests/mpi test needs one)"
        continue; fi ;;
  esac
  case "$src" in
    *.c) cmd="build/${src%.c}.x"
         if [ ! -x "$cmd" ]; then fail=$((fail+1)); failed="$failed $base"
           echo "FAIL $base (not built)"; continue; fi
         if [ "$cmd" -ot "$src" ] || [ "$cmd" -ot build/libemflow.a ]; then
           fail=$((fail+1)); failed="$failed $base"
           echo "FAIL $base (stale: older than $src or build/libemflow.a; run make tests)"
           continue; fi ;;
    *.sh) cmd="sh $src" ;;
  esac
  logbase="$logdir/$(echo "$base" | tr '/' '_')"
  if [ -z "$np" ]; then
    run_one "$base" "$logbase.log" "$tmo" $cmd
  else
    for n in $np; do
      case "$src" in
        *.c) run_one "$base [np=$n]" "$logbase.np$n.log" "$tmo" \
               mpirun -np "$n" $cmd ;;
        *.sh) run_one "$base [np=$n]" "$logbase.np$n.log" "$tmo" \
               env EMF_NP="$n" $cmd ;;
      esac
    done
  fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
