#!/bin/sh
# tools/run-main.sh: the `make run` job.  Runs bin/emflow-lqft on
# input/su2.conf (2D SU(2) 8x8: exact, train, sample, hmc, compare) with
# mpirun on the available cores and prints a short summary of the run's
# summary.json at the end (ESS, acceptance, plaquette flow / HMC / exact,
# cost per independent sample); the whole file is <run dir>/summary.json.
# The rank count is nproc rounded down to a power of two (at most 64), so
# that the automatic process grid divides the 8x8 lattice.  Extra arguments are passed to emflow-lqft (e.g. --set ...).
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
# A repeated `make run` gets a fresh run directory (runs/su2, runs/su2.2, ...)
# instead of appending to or refusing the earlier one.
base=$dir; k=1
while [ -e "$dir" ]; do k=$((k + 1)); dir=$base.$k; done
echo "run-main: mpirun -np $np $bin $* -o $dir $conf"
mpirun -np "$np" "$bin" "$@" -o "$dir" "$conf"
rc=$?
if [ -f "$dir/summary.json" ]; then
  echo "run-main: summary ($dir/summary.json)"
  /usr/bin/python3 - "$dir/summary.json" <<'PY' 2>/dev/null || echo "  (python3 not usable: see the file)"
import json, sys
s = json.load(open(sys.argv[1]))
def g(*k):
    d = s
    for x in k:
        if not isinstance(d, dict) or x not in d: return None
        d = d[x]
    return d
def pm(m, e): return "n/a" if m is None else "%.5f +- %.5f" % (m, e)
if g("train") is not None:
    print("  train:   %d steps, %d parameters, loss %.4f, batch ESS %.3f, %.4f core-hours"
          % (g("train", "steps"), g("train", "parameters") or g("train", "n_params"),
             g("train", "loss"), g("train", "ess") or float("nan"),
             g("train", "core_hours") or float("nan")))
if g("sample") is not None:
    print("  flow:    ESS %.4f, IMH acceptance %.4f, log Z %s (exact %s)"
          % (g("sample", "ess"), g("sample", "acceptance"),
             pm(g("sample", "logZ", "mean"), g("sample", "logZ", "error")),
             "n/a" if g("sample", "logZ", "exact") is None else "%.5f" % g("sample", "logZ", "exact")))
print("  plaquette: flow (IMH) %s | HMC %s | exact %s"
      % (pm(g("sample", "imh", "plaquette", "mean"), g("sample", "imh", "plaquette", "error")),
         pm(g("hmc", "plaquette", "mean"), g("hmc", "plaquette", "error")),
         "n/a" if g("exact", "plaquette") is None else "%.5f" % g("exact", "plaquette")))
if g("compare") is not None:
    print("  cost per independent sample (core-s): flow %.4g (training + sampling; sampling "
          "alone %.4g), HMC %.4g; ratio HMC/flow %.3g"
          % (g("compare", "flow", "cost_per_independent_sample"),
             g("compare", "flow", "cost_per_independent_sample_sampling_only"),
             g("compare", "hmc", "cost_per_independent_sample"), g("compare", "cost_ratio")))
PY
fi
exit $rc
