#!/bin/sh
# tools/su3-targets.sh [BETA...]: the 2D SU(3) 16x16 flow results of
# doc/results_lattice.md ("transfer" rows), one beta after the other
# (default 4 5 6), from the committed configurations:
#   1. pre-training on 8x8: input/su3_pre.conf -> runs/su3_pre_b<BETA>
#   2. 16x16: input/su3.conf with train.init_from = that model.h5, sampled
#      as it is (train.steps = 0), then hmc, compare -> runs/su3_b<BETA>
# Ranks: EMF_NP (default 2).  Existing run directories are refused by the
# program (use new ones or remove them).  About 1.7 h per beta on one
# core (70 min of pre-training, about 30 min of 16x16 sampling).  Exit
# status: the first failing run's.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=bin/emflow-lqft
[ -x "$bin" ] || { echo "su3-targets: $bin not built (make all)" >&2; exit 1; }
np=${EMF_NP:-2}
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
[ $# -gt 0 ] || set -- 4 5 6
for b in "$@"; do
  pre=runs/su3_pre_b$b
  echo "su3-targets: beta $b: mpirun -np $np $bin --set action.beta=$b -o $pre input/su3_pre.conf"
  mpirun -np "$np" "$bin" --set "action.beta=$b" -o "$pre" input/su3_pre.conf || exit $?
  echo "su3-targets: beta $b: mpirun -np $np $bin --set action.beta=$b" \
       "--set train.init_from=\"$pre/model.h5\" -o runs/su3_b$b input/su3.conf"
  mpirun -np "$np" "$bin" --set "action.beta=$b" --set "train.init_from=\"$pre/model.h5\"" \
    -o "runs/su3_b$b" input/su3.conf || exit $?
done
