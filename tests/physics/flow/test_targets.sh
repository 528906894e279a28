#!/bin/sh
# test_targets.sh: train and sample the flow on the single-matrix targets
# (Boyda et al.'s SU(3) boyda1..3 at beta = 9, and SU(2) c = (1) at beta =
# 1, 3, 9) with the defaults of input/single_su3.conf / single_su2.conf;
# every run must reach ESS >= 0.99 and its reweighted <(1/N) Re tr U^k>
# (k = 1, 2, 3) and log Z must agree with the exact values (summary.json)
# within 3 standard errors (65536 samples).  Several minutes per target.
# SUITE: long
# TIMEOUT: 7200
set -u
root=${EMF_ROOT:-$(pwd)}
bin=${EMF_BIN:-$root/bin/emflow-lqft}
np=${EMF_NP:-2}
out=$(mktemp -d /tmp/emf_targets.XXXXXX)
fail=0
run() {  # run NAME CONFIG N BETA C
  if [ "$np" -gt 1 ]; then mp="mpirun -np $np"; else mp=""; fi
  if ! $mp "$bin" --set "lattice.N=$3" --set "action.beta=$4" --set "target.c=$5" \
       --set sample.save_samples=false --set sample.n=65536 -o "$out/$1" "$root/$2" >"$out/$1.log" 2>&1; then
    echo "FAIL: $1: emflow-lqft failed (log $out/$1.log)"; fail=$((fail + 1)); return
  fi
  /usr/bin/python3 - "$out/$1/summary.json" "$1" <<'PY' || fail=$((fail + 1))
import json, sys
s = json.load(open(sys.argv[1]))["sample"]
name, bad = sys.argv[2], 0
def check(ok, msg):
    global bad
    print(("PASS: " if ok else "FAIL: ") + name + ": " + msg)
    bad += not ok
check(s["ess"] >= 0.99, "ESS %.5f >= 0.99" % s["ess"])
d = (s["logZ"]["mean"] - s["logZ"]["exact"]) / s["logZ"]["error"]
check(abs(d) <= 3, "log Z %.6f +- %.6f vs exact %.6f (%.2f sigma)" % (s["logZ"]["mean"], s["logZ"]["error"], s["logZ"]["exact"], d))
for o, e in s["observables"].items():
    d = (e["mean"] - e["exact"]) / e["error"]
    check(abs(d) <= 3, "%s %.6f +- %.6f vs exact %.6f (%.2f sigma)" % (o, e["mean"], e["error"], e["exact"], d))
sys.exit(bad)
PY
}
run boyda1 input/single_su3.conf 3 9.0 '[0.98, -0.63, -0.21]'
run boyda2 input/single_su3.conf 3 9.0 '[0.17, -0.65, 1.22]'
run boyda3 input/single_su3.conf 3 9.0 '[1.0]'
run su2_beta1 input/single_su2.conf 2 1.0 '[1.0]'
run su2_beta3 input/single_su2.conf 2 3.0 '[1.0]'
run su2_beta9 input/single_su2.conf 2 9.0 '[1.0]'
[ "$fail" -eq 0 ] && rm -rf "$out"
echo "test_targets: $fail failed"
[ "$fail" -eq 0 ]
