#!/bin/sh
# test_hmc_exact.sh: the hmc and exact tasks of bin/emflow-lqft end to end.
#  1. run.tasks = ["exact", "hmc"], 2D SU(2) 4x4, beta = 2, 2000 measured
#     trajectories (np = 1): every summary field of both tasks present and
#     finite; hmc plaquette within 3 standard errors (Gamma method, tau_int
#     included) of exact.plaquette; <exp(-dH)> within 3 errors of 1;
#     acceptance in (0.5, 1].
#  2. The same run at np = 2 (grid [1,2]) and np = 4 (grid [2,2]): the same summary numbers (17
#     digits, timings excepted) and h5diff-identical links of every stored
#     configuration and series (the attributes differ: grid).
#  3. Resume: 30 + resume to 60 measured trajectories (np = 1, then np = 2)
#     gives the same final links, stored configurations and series (h5diff)
#     as one run of 60; a rerun of the complete chain only re-analyses
#     (same plaquette); run.resume = false on a file with a chain: exit 3,
#     file unchanged; hmc.commit_seconds = 0 commits at every stored
#     configuration; a run killed (SIGKILL) and resumed gives the chain of
#     one uninterrupted run.
#  4. exact task vs shared/reference/exact_values.json (rtol 1e-12): SU(2)
#     beta 1 and 2 at L = 4 (P, ReTrU2, lnZ), SU(3) boyda2 single matrix
#     (logZ, <Re tr U^k>/N, k = 1..3); a 2x8 lattice gives the 4x4 numbers
#     (Z depends on V only).
#  5. Bad combinations fail at validation (exit 2), with the documented
#     message, and write nothing: exact with D = 4, hmc with target single.
# TIMEOUT: 300
set -u
. "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
reg_init emf_hmc
py=/usr/bin/python3
conf=$root/input/su2.conf
base="--set lattice.extent=[4,4] --set action.beta=2.0 --set run.seed=777"
base="$base --set run.resume=false --set hmc.thermalization=20 --set hmc.save_every=10 --set init.start=\"hot\""

shared=""
for d in "${EMF_SHARED:-}" "$root/shared" "$root/../shared" shared ../shared; do
  [ -n "$d" ] && [ -f "$d/reference/exact_values.json" ] && { shared=$d; break; }
done

same_h5() {  # same_h5 A B: same hmc configuration list, identical links and series
  la=$(h5ls "$1/configs/hmc" 2>/dev/null | awk '{print $1}')
  lb=$(h5ls "$2/configs/hmc" 2>/dev/null | awk '{print $1}')
  [ -n "$la" ] && [ "$la" = "$lb" ] || return 1
  for c in $la; do
    h5diff "$1" "$2" "/configs/hmc/$c/links" "/configs/hmc/$c/links" >/dev/null 2>&1 || return 1
  done
  h5diff "$1" "$2" /observables /observables >/dev/null 2>&1
}

emf() {  # emf NP DIR ARGS...: run the program, log to DIR.log
  np=$1; dir=$2; shift 2
  timeout -k 5 120 mpirun -np "$np" "$bin" "$@" -o "$dir" >"$dir.log" 2>&1
}

# --- 1. exact + hmc, np = 1 ------------------------------------------------
emf 1 "$tmp/a1" $base --set hmc.trajectories=2000 --set 'run.tasks=["exact","hmc"]' "$conf" \
  && ok || bad "exact+hmc np=1: exit $? ($(tail -n 3 "$tmp/a1.log"))"
$py - "$tmp/a1/summary.json" <<'EOF' && ok || bad "exact+hmc summary (see above)"
import json, math, sys
d = json.load(open(sys.argv[1]))
h, e = d["hmc"], d["exact"]
need = [h["plaquette"]["mean"], h["plaquette"]["error"], h["acceptance"], h["tau_int"],
        h["exp_mdH"]["mean"], h["exp_mdH"]["error"], h["seconds_per_trajectory"],
        h["cost_per_independent_sample"], e["plaquette"], e["ReTrU2"], e["lnZ"],
        e["tail_bound"]]
assert all(isinstance(x, (int, float)) and math.isfinite(x) for x in need), need
assert h["trajectories"] == 2000 and h["total_trajectories"] == 2020, h
p, dp, pe = h["plaquette"]["mean"], h["plaquette"]["error"], e["plaquette"]
print("hmc plaquette %.6f +- %.6f, exact %.6f: %.2f sigma; tau_int %.3f, acc %.4f"
      % (p, dp, pe, (p - pe) / dp, h["tau_int"], h["acceptance"]))
assert 0 < dp < 0.01 and abs(p - pe) < 3 * dp, "plaquette beyond 3 sigma"
x, dx = h["exp_mdH"]["mean"], h["exp_mdH"]["error"]
assert abs(x - 1) < 3 * dx, ("exp(-dH)", x, dx)
assert 0.5 < h["acceptance"] <= 1 and h["tau_int"] >= 0.4
assert abs(h["cost_per_independent_sample"]
           - 2 * h["tau_int"] * h["seconds_per_trajectory"] * d["run"]["ranks"]) < 1e-12
EOF

# --- 2. the same at np = 2 (grid [1,2]) and np = 4 (grid [2,2]) -------------
for spec in "2:[1,2]" "4:[2,2]"; do
  np=${spec%%:*}; grid=${spec#*:}
  emf "$np" "$tmp/a$np" $base --set hmc.trajectories=2000 --set "lattice.grid=$grid" \
    --set 'run.tasks=["exact","hmc"]' "$conf" ||
    { bad "np=$np: exit $? ($(tail -n 3 "$tmp/a$np.log"))"; continue; }
  $py - "$tmp/a1/summary.json" "$tmp/a$np/summary.json" <<'EOF' && ok || bad "np=1 vs np=$np: summaries differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
skip = {"seconds_per_trajectory", "cost_per_independent_sample", "file"}
for t in ("exact", "hmc"):
    for k, v in a[t].items():
        if k not in skip: assert b[t][k] == v, (t, k, v, b[t][k])
EOF
  same_h5 "$tmp/a1/ensemble.h5" "$tmp/a$np/ensemble.h5" && ok ||
    bad "np=1 vs np=$np: configurations or series differ (h5diff)"
done

# --- 3. resume -------------------------------------------------------------
r="--set run.tasks=[\"hmc\"]"
emf 1 "$tmp/full" $base $r --set hmc.trajectories=60 "$conf" || bad "full run: exit $?"
emf 1 "$tmp/cont" $base $r --set hmc.trajectories=30 --set hmc.commit_seconds=0 "$conf" ||
  bad "first half: exit $?"
grep -q '"commits": 2,' "$tmp/cont/summary.json" && ok || bad "commit_seconds = 0: not 2 commits"
cp "$tmp/cont/ensemble.h5" "$tmp/half.h5"
emf 1 "$tmp/cont" $base $r --set hmc.trajectories=60 "$conf"
rc=$?
[ $rc -eq 3 ] && grep -q "already holds an hmc chain.*run.resume = true" "$tmp/cont.log" && ok ||
  bad "no resume on an existing chain: exit $rc, expected 3 ($(tail -n 2 "$tmp/cont.log"))"
cmp -s "$tmp/half.h5" "$tmp/cont/ensemble.h5" && ok || bad "refused run changed ensemble.h5"
ls "$tmp/cont" | grep -q '\.tmp$' && bad "refused run left a temporary file" || ok
emf 2 "$tmp/cont" $base $r --set hmc.trajectories=60 --set run.resume=true "$conf" &&
  grep -q "continuing .* from /configs/hmc/000050 (trajectory 50)" "$tmp/cont.log" && ok ||
  bad "resume: exit $? ($(tail -n 2 "$tmp/cont.log"))"
if h5diff "$tmp/full/ensemble.h5" "$tmp/cont/ensemble.h5" /configs/hmc/000080/links \
     /configs/hmc/000080/links >/dev/null 2>&1 &&
   same_h5 "$tmp/full/ensemble.h5" "$tmp/cont/ensemble.h5"
then ok; else bad "resume: 30 + 30 differs from 60 (h5diff)"; fi
pf=$(sed -n '/"hmc"/,$p' "$tmp/full/summary.json" | grep -m1 '"mean"')
pc=$(sed -n '/"hmc"/,$p' "$tmp/cont/summary.json" | grep -m1 '"mean"')
[ -n "$pf" ] && [ "$pf" = "$pc" ] && ok || bad "resume: plaquette '$pc' != '$pf'"
emf 1 "$tmp/cont" $base $r --set hmc.trajectories=60 --set run.resume=true "$conf" &&
  grep -q "is complete (80 trajectories): analysis only" "$tmp/cont.log" && ok ||
  bad "rerun of a complete chain: $(tail -n 2 "$tmp/cont.log")"
pc=$(sed -n '/"hmc"/,$p' "$tmp/cont/summary.json" | grep -m1 '"mean"')
[ "$pf" = "$pc" ] && ok || bad "analysis-only rerun: plaquette '$pc' != '$pf'"

# killed run (SIGKILL after 1.5 s; commits at every stored configuration),
# then resumed: same chain as one run.  If the machine is so fast that the
# run ends before the kill (or so slow that nothing was committed), the
# comparison still holds; the log says which.
k="$base $r --set hmc.trajectories=20000 --set hmc.save_every=1000"
emf 1 "$tmp/kfull" $k "$conf" || bad "kill reference: exit $?"
timeout -s KILL 1.5 "$bin" $k --set hmc.commit_seconds=0 -o "$tmp/kill" "$conf" >"$tmp/kill.log" 2>&1
echo "killed run: exit $?, $(h5ls "$tmp/kill/ensemble.h5/configs/hmc" 2>/dev/null | wc -l) configurations committed"
emf 1 "$tmp/kill" $k --set run.resume=true "$conf" && ok || bad "resume after kill: exit $?"
same_h5 "$tmp/kfull/ensemble.h5" "$tmp/kill/ensemble.h5" && ok || bad "killed + resumed differs from one run"

# --- 4. exact vs the reference values --------------------------------------
if [ -z "$shared" ]; then bad "shared/reference/exact_values.json not found"
else
  for case in "2 1.0 4" "2 2.0 4"; do
    set -- $case
    emf 1 "$tmp/ex$2" --set lattice.N=$1 --set action.beta=$2 --set "lattice.extent=[$3,$3]" \
      --set 'run.tasks=["exact"]' "$conf" || bad "exact $case: exit $?"
    $py - "$shared/reference/exact_values.json" "$tmp/ex$2/summary.json" "$2" "$3" <<'EOF' &&
import json, sys
ref = json.load(open(sys.argv[1]))["lattice_2d"]["SU2"][str(int(float(sys.argv[3])))]
e = json.load(open(sys.argv[2]))["exact"]
L = sys.argv[4]
for k, r, atol in (("plaquette", "P", 1e-15), ("ReTrU2", "ReTrU2", 1e-15), ("lnZ", "lnZ", 1e-12)):
    x, y = e[k], float(ref[r][L])
    assert abs(x - y) <= atol + 1e-12 * abs(y), (k, x, y)
EOF
    ok || bad "exact SU(2) beta $2 L $3 vs reference"
  done
  emf 1 "$tmp/single" --set lattice.N=3 --set action.beta=9.0 --set 'target.type="single"' \
    --set 'target.c=[0.17,-0.65,1.22]' --set 'run.tasks=["exact"]' "$conf" ||
    bad "exact single: exit $? ($(tail -n 2 "$tmp/single.log"))"
  $py - "$shared/reference/exact_values.json" "$tmp/single/summary.json" <<'EOF' && ok ||
import json, sys
ref = json.load(open(sys.argv[1]))["single_matrix"]["SU3_boyda2"]
e = json.load(open(sys.argv[2]))["exact"]
for k in ("logZ", "ReTrU_over_N", "ReTrU2_over_N", "ReTrU3_over_N"):
    y = float(ref[k + "_str"] if k + "_str" in ref else ref[k])
    assert abs(e[k] - y) <= 1e-12 + 1e-12 * abs(y), (k, e[k], y)
EOF
  bad "exact single SU(3) boyda2 vs reference"
fi
emf 1 "$tmp/rect" --set 'lattice.extent=[2,8]' --set 'run.tasks=["exact"]' "$conf" || bad "2x8: exit $?"
emf 1 "$tmp/sq" --set 'lattice.extent=[4,4]' --set 'run.tasks=["exact"]' "$conf" || bad "4x4: exit $?"
$py - "$tmp/rect/summary.json" "$tmp/sq/summary.json" <<'EOF' && ok || bad "2x8 and 4x4 exact numbers differ"
import json, sys
a, b = (json.load(open(f))["exact"] for f in sys.argv[1:3])
for k in ("plaquette", "ReTrU2", "lnZ"): assert a[k] == b[k], (k, a[k], b[k])
EOF

# --- 5. bad combinations ----------------------------------------------------
"$bin" --set 'lattice.extent=[4,4,4,4]' --set 'run.tasks=["exact"]' -o "$tmp/bad1" "$conf" \
  >"$tmp/bad1.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q 'run.tasks: task exact with target.type = "lattice" needs a 2D lattice (lattice.extent has 4 entries)' "$tmp/bad1.log" &&
  [ ! -e "$tmp/bad1" ] && ok || bad "exact D=4: exit $rc, $(cat "$tmp/bad1.log")"
"$bin" --set 'target.type="single"' --set 'target.c=[1.0]' -o "$tmp/bad2" hmc "$conf" \
  >"$tmp/bad2.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q 'task hmc needs target.type = "lattice"' "$tmp/bad2.log" &&
  [ ! -e "$tmp/bad2" ] && ok || bad "hmc single: exit $rc, $(cat "$tmp/bad2.log")"

reg_finish test_hmc_exact
