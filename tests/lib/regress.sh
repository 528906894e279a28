# regress.sh: the set-up shared by the regression scripts (sourced, POSIX sh).
#
#   . "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
#   reg_init NAME [NP]
#       root (EMF_ROOT, else the working directory), bin (EMF_BIN, else
#       $root/bin/emflow-lqft), np (EMF_NP, else NP, else 1); changes to
#       $root; tmp = a new directory /tmp/NAME_XXXXXX, removed at exit; the
#       Open MPI environment for running as root with more ranks than cores
#       (tests/run.sh sets the same); counters pass = fail = 0.
#   ok MSG...        counts a pass (printed with CHECK_VERBOSE=1)
#   bad MSG...       counts a failure and prints "FAIL: MSG"
#   reg_run NP DIR CONFIG ARGS...
#       $bin ARGS -o DIR CONFIG on NP ranks (mpirun -np NP; NP = 1: without
#       mpirun), stdin closed, stdout and stderr to DIR.log; returns the
#       program's exit status.
#   reg_finish NAME  prints "NAME: P passed, F failed"; status 0 iff F = 0
#                    (use as the script's last command).

reg_init() {
  root=${EMF_ROOT:-$(pwd)}
  bin=${EMF_BIN:-$root/bin/emflow-lqft}
  np=${EMF_NP:-${2:-1}}
  cd "$root" || exit 1
  tmp=$(mktemp -d "/tmp/$1_XXXXXX") || exit 1
  trap 'rm -rf "$tmp"' EXIT
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_MCA_rmaps_base_oversubscribe=1
  export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}" OMPI_MCA_btl="${OMPI_MCA_btl:-self,vader}"
  export HWLOC_COMPONENTS="${HWLOC_COMPONENTS:--x86}"
  pass=0; fail=0
}

ok()  { pass=$((pass + 1)); [ "${CHECK_VERBOSE:-0}" = 1 ] && echo "PASS: $*"; return 0; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

reg_run() {
  _n=$1; _d=$2; _c=$3; shift 3
  if [ "$_n" -gt 1 ]; then
    mpirun -np "$_n" "$bin" "$@" -o "$_d" "$_c" >"$_d.log" 2>&1 </dev/null
  else
    "$bin" "$@" -o "$_d" "$_c" >"$_d.log" 2>&1 </dev/null
  fi
}

reg_finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
