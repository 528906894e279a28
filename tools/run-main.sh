#!/bin/sh
# tools/run-main.sh: the `make run` job.  Runs bin/emflow-lqft on
# input/su2.conf (8x8 lattice) with mpirun on the available cores and prints
# the run's summary.json.  The rank count is nproc rounded down to a power of
# two (at most 64), so that the automatic process grid divides the 8x8
# lattice.  Extra arguments are passed to emflow-lqft (e.g. --set ...).
# Exit status: that of emflow-lqft (doc/programs/emflow-lqft.md).
set -u
cd "$(dirname "$0")/.." || exit 1
bin=bin/emflow-lqft
conf=input/su2.conf
[ -x "$bin" ] || { echo "run-main: $bin not built (make all)" >&2; exit 1; }
cores=$(nproc 2>/dev/null || echo 1)
np=1
while [ $((np * 2)) -le "$cores" ] && [ $((np * 2)) -le 64 ]; do np=$((np * 2)); done
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
dir=$("$bin" --check "$@" "$conf" |
  sed -n '/^output = {/,/^};/s/^  dir = "\(.*\)";$/\1/p')
[ -n "$dir" ] || { "$bin" --check "$@" "$conf" >/dev/null; exit $?; }
echo "run-main: mpirun -np $np $bin $* $conf  (run directory $dir)"
mpirun -np "$np" "$bin" "$@" "$conf"
rc=$?
if [ -f "$dir/summary.json" ]; then
  echo "run-main: $dir/summary.json"
  cat "$dir/summary.json"
fi
exit $rc
