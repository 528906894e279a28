#!/bin/sh
# Benchmarks: bench/run.sh [quick]   (make bench runs it)
#
# Runs every benchmark build/bench/*.x (built from bench/*.c) on 1 and 2
# ranks (EMF_BENCH_NP overrides the list).  Benchmarks print their numbers
# and the ratios to this machine's limits; they never assert on time.
# Output is also kept in build/bench-logs/.
set -u
mode=${1:-}
nps=${EMF_BENCH_NP:-"1 2"}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_pml=ob1
export OMPI_MCA_btl=self,vader HWLOC_COMPONENTS=-x86
logdir=build/bench-logs
mkdir -p "$logdir"
status=0
for b in build/bench/*.x; do
  [ -x "$b" ] || continue
  name=$(basename "$b" .x)
  for n in $nps; do
    echo "== $name, $n rank(s)"
    mpirun -np "$n" --bind-to core "$b" $mode 2>&1 | tee "$logdir/$name.np$n.log" || status=1
  done
done
exit $status
