#!/bin/sh
# tools/su3-targets.sh [BETA...]: the 2D SU(3) 16x16 flow results of
# doc/results_lattice.md ("Second training stage" rows), one beta after
# the other (default 4 5 6), from the committed configurations:
#   1. pre-training on 8x8: input/su3_pre.conf -> runs/su3_pre_b<BETA>
#   2. second stage on 8x8: input/su3_ft.conf with train.init_from = that
#      model.h5 -> runs/su3_ft_b<BETA>
#   3. 16x16: input/su3.conf with train.init_from = the second stage's
#      model.h5, sampled as it is (train.steps = 0), then hmc, compare
#      -> runs/su3_b<BETA>
# Ranks: EMF_NP (default 2).  Existing run directories are refused by the
# program (use new ones or remove them).  About 2.8 h per beta on one
# core (2 x 70 min of training on 8x8, about 30 min of 16x16 sampling).
# Exit status: the first failing run's.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=bin/emflow-lqft
[ -x "$bin" ] || { echo "su3-targets: $bin not built (make all)" >&2; exit 1; }
np=${EMF_NP:-2}
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
[ $# -gt 0 ] || set -- 4 5 6
# run_from SRC DIR CONF: CONF at beta $b, starting from SRC/model.h5
run_from() {
  echo "su3-targets: beta $b: mpirun -np $np $bin --set action.beta=$b" \
       "--set train.init_from=\"$1/model.h5\" -o $2 $3"
  mpirun -np "$np" "$bin" --set "action.beta=$b" --set "train.init_from=\"$1/model.h5\"" -o "$2" "$3"
}
for b in "$@"; do
  pre=runs/su3_pre_b$b
  echo "su3-targets: beta $b: mpirun -np $np $bin --set action.beta=$b -o $pre input/su3_pre.conf"
  mpirun -np "$np" "$bin" --set "action.beta=$b" -o "$pre" input/su3_pre.conf || exit $?
  run_from "$pre" "runs/su3_ft_b$b" input/su3_ft.conf || exit $?
  run_from "runs/su3_ft_b$b" "runs/su3_b$b" input/su3.conf || exit $?
done
