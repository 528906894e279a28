#!/bin/sh
# test_analyze_mpi.sh: emflow-analyze under mpirun gives the singleton's
# output byte for byte; the plotting scripts run on its files.
#
# NP: 2 4
# TIMEOUT: 180
#
# Uses the file that tests/regression/analyze/test_analyze.c writes
# (build/tmp/test_analyze/ens.h5, bad.h5); runs that test first if the file
# is missing.  Checked, at EMF_NP ranks (2 and 4; the 4x4 and 4x2x2
# lattices fit both):
# - --json --verify (all series, every configuration) and --acf are
#   byte-identical to the singleton run, exit 0;
# - the damaged file exits 3 at EMF_NP ranks too, with one BAD line;
# - a missing file and an unknown option exit 3 and 1 under mpirun;
# - analysis/plot_series.py writes a PNG of ens.h5 and refuses an unknown
#   series (exit 1, naming it); analysis/plot_compare.py writes a PNG and a
#   table from a summary.json and refuses a broken one (exit 1); both exit
#   2 with a message pointing to /usr/bin/python3 when a module is missing
#   (simulated with an empty module of that name first on PYTHONPATH).
set -u
root=${EMF_ROOT:-$(pwd)}
np=${EMF_NP:-2}
prog=$root/bin/emflow-analyze
dir=$root/build/tmp/test_analyze
out=$root/build/tmp/test_analyze_mpi.np$np
py=/usr/bin/python3
fails=0; passes=0
check() { if eval "$2"; then passes=$((passes + 1)); else fails=$((fails + 1)); echo "FAIL: $1"; fi; }
rm -rf "$out"; mkdir -p "$out"
if [ ! -f "$dir/ens.h5" ] || [ ! -f "$dir/bad.h5" ]; then
  (cd "$root" && build/tests/regression/analyze/test_analyze.x > "$out/gen.log" 2>&1)
fi
check "test file present" '[ -f "$dir/ens.h5" ] && [ -f "$dir/bad.h5" ]'

run_mpi() { mpirun -np "$np" "$prog" "$@"; }

"$prog" --json --verify "$dir/ens.h5" > "$out/one.json" 2>&1; rc1=$?
run_mpi --json --verify "$dir/ens.h5" > "$out/np.json" 2> "$out/np.err"; rc=$?
check "singleton --json --verify exits 0" '[ $rc1 -eq 0 ]'
check "np=$np --json --verify exits 0" '[ $rc -eq 0 ]'
check "np=$np JSON identical to singleton" 'cmp -s "$out/one.json" "$out/np.json"'
check "np=$np: three configurations OK" '[ "$(grep -c "\"status\": \"OK\"" "$out/np.json")" -eq 3 ]'
"$prog" --acf hmc/plaquette --skip 10 "$dir/ens.h5" > "$out/one.acf" 2>&1
run_mpi --acf hmc/plaquette --skip 10 "$dir/ens.h5" > "$out/np.acf" 2>&1
check "np=$np --acf identical" 'cmp -s "$out/one.acf" "$out/np.acf"'
run_mpi --verify "$dir/bad.h5" > "$out/bad.txt" 2>&1; rc=$?
check "np=$np damaged file exits 3" '[ $rc -eq 3 ]'
check "np=$np one BAD line" '[ "$(grep -c "^BAD" "$out/bad.txt")" -eq 1 ]'
run_mpi "$dir/missing.h5" > "$out/miss.txt" 2>&1; rc=$?
check "np=$np missing file exits 3 naming it" '[ $rc -eq 3 ] && grep -q "missing.h5" "$out/miss.txt"'
run_mpi --bogus "$dir/ens.h5" > "$out/opt.txt" 2>&1; rc=$?
check "np=$np unknown option exits 1" '[ $rc -eq 1 ] && grep -q "unknown option .--bogus" "$out/opt.txt"'

# plotting scripts (once is enough: only at the first NP)
if [ "$np" = 2 ]; then
  $py "$root/analysis/plot_series.py" -o "$out/series.png" --skip 10 "$dir/ens.h5" > "$out/ps.txt" 2>&1
  rc=$?
  check "plot_series.py exits 0" '[ $rc -eq 0 ]'
  check "plot_series.py wrote a PNG" '[ "$(head -c 4 "$out/series.png" | od -An -c | tr -d " ")" = "211PNG" ]'
  $py "$root/analysis/plot_series.py" --obs nope "$dir/ens.h5" > "$out/ps2.txt" 2>&1; rc=$?
  check "plot_series.py unknown series: exit 1 naming it" '[ $rc -eq 1 ] && grep -q "no series .nope." "$out/ps2.txt"'
  cat > "$out/summary.json" <<'EOF'
{"run": {"output_dir": "runs/su2"}, "sample": {"ess": 0.4, "acceptance": 0.5},
 "compare": {"flow": {"acceptance": 0.5, "tau_int": 1.5, "cost_per_independent_sample": 0.01},
             "hmc": {"acceptance": 0.9, "tau_int": 4.0, "cost_per_independent_sample": 0.03}}}
EOF
  $py "$root/analysis/plot_compare.py" -o "$out/cmp.png" "$out/summary.json" > "$out/pc.txt" 2>&1; rc=$?
  check "plot_compare.py exits 0" '[ $rc -eq 0 ]'
  check "plot_compare.py wrote a PNG" '[ "$(head -c 4 "$out/cmp.png" | od -An -c | tr -d " ")" = "211PNG" ]'
  check "plot_compare.py table has both rows" \
    'grep -q "su2 *flow *0.5 *0.4 *1.5 *0.01" "$out/pc.txt" && grep -q "su2 *hmc *0.9 *n/a *4 *0.03" "$out/pc.txt"'
  echo '{' > "$out/broken.json"
  $py "$root/analysis/plot_compare.py" -o "$out/x.png" "$out/broken.json" > "$out/pc2.txt" 2>&1; rc=$?
  check "plot_compare.py broken JSON: exit 1 naming it" '[ $rc -eq 1 ] && grep -q "broken.json" "$out/pc2.txt"'
  mkdir -p "$out/fake/h5py" "$out/fake/matplotlib"
  echo 'raise ImportError("fake", name="h5py")' > "$out/fake/h5py/__init__.py"
  echo 'raise ImportError("fake", name="matplotlib")' > "$out/fake/matplotlib/__init__.py"
  PYTHONPATH="$out/fake" $py "$root/analysis/plot_series.py" "$dir/ens.h5" > "$out/m1.txt" 2>&1; rc=$?
  check "plot_series.py without h5py: exit 2, points to /usr/bin/python3" \
    '[ $rc -eq 2 ] && grep -q "/usr/bin/python3" "$out/m1.txt"'
  PYTHONPATH="$out/fake" $py "$root/analysis/plot_compare.py" "$out/summary.json" > "$out/m2.txt" 2>&1; rc=$?
  check "plot_compare.py without matplotlib: exit 2, points to /usr/bin/python3" \
    '[ $rc -eq 2 ] && grep -q "/usr/bin/python3" "$out/m2.txt"'
fi

echo "test_analyze_mpi (np=$np): $passes passed, $fails failed"
[ "$fails" -eq 0 ]
