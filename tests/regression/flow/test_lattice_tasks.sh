#!/bin/sh
# test_lattice_tasks.sh: train, sample, hmc and compare end to end on a tiny
# lattice (2D SU(2) 4x4, beta = 1.5; plaquette network K = 1, width 8, 30
# Adam steps of batch 32 with 4 RK4 steps; 2048 samples, rkf45 at 1e-7),
# run as the user would run them.
#
# NP: 2 4
# TIMEOUT: 600
#
# Checks:
#  - the run succeeds at np = 1 and np = EMF_NP (automatic groups: one rank
#    per group) and, at np = 4, with train.groups = 2 (2 groups x 2 domain
#    ranks); model.h5, ensemble.h5 (with the flow/ series) and summary.json
#    exist;
#  - identical numbers: every number under train (except timings) and
#    sample (except timings and the per-group evaluation count) is the same at np = 1 and the other layouts,
#    and so are the 2048 stored samples configs/flow/<number> (link bytes;
#    the plaquette attribute is the flow/plaquette series entry),
#    and the trained parameters are bit-identical (h5diff of /theta, exact
#    comparison);
#  - physics: the IMH chain's plaquette and the reweighted plaquette agree
#    with the exact 2D value (exact_lattice2d) within 3 standard errors;
#    sample.ess > 0.5 after training (Haar: about 0.03); the log q error
#    against the 100x tighter run is below 1e-4;
#  - compare: compare.flow/hmc.{acceptance,tau_int,
#    cost_per_independent_sample} and compare.exact.plaquette exist; the
#    HMC plaquette agrees with exact within 3 standard errors;
#  - resume: with a constant learning rate, 15 steps and then a resumed run
#    to 30 give parameters bit-identical to 30 steps at once
#    (train.resumed_from = 15);
#  - training cost: after the resumed run, train.{seconds,cpu_seconds,
#    core_seconds}_total = the first run's totals + this run's values
#    (relative 1e-12), cost_from_step = 0, and model.h5 (format_version 2)
#    holds the same totals;
#  - sample into a directory whose ensemble.h5 holds flow samples: refused
#    without run.resume (exit 3, ensemble.h5 unchanged); with it, 1024
#    samples at np = 1 continued to 2048 at np = EMF_NP give the flow series
#    (logq, action, logw, plaquette, logq_ref, action_ref) and the stored
#    samples configs/flow/0..2047 bit-identical to
#    the one-shot run and the same sample.* numbers (except timings, counts
#    of this run); a third, complete resume adds no rows; other tolerances
#    are refused (exit 3); sample.core_seconds_total is the first run's
#    core_seconds plus the resumed run's (relative 1e-12), unchanged by the
#    third run, and equals the core_seconds attribute of flow/logq;
#  - compare without a sample result in the summary ends with exit 2 and a
#    message naming sample.
#  - the linear model (flow.model = "linear", init "lo", plaquette +
#    rectangle, K = 1, 3 time functions: 12 parameters), tasks train and
#    sample: parameters bit-identical at np = 1 and EMF_NP, train.model =
#    "linear", train.init = "lo", sample.ess > 0.5, IMH and reweighted
#    plaquette within 3 standard errors of exact;
#  - the linear model trained with train.gradient = "path" (train and
#    sample): parameters bit-identical at np = 1 and EMF_NP and not those of
#    the total gradient, train.gradient = "path" in the summary and the
#    log, another model hash, sample.ess > 0.5, IMH plaquette within 3
#    standard errors of exact;
#  - a model.h5 of the linear model is refused (exit 3, message naming
#    flow.model) by the sample task and by a resumed train task of the mlp
#    model.
set -u
. "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
reg_init emf_lattasks 2
cat >"$tmp/tiny.conf" <<'EOF'
lattice = { N = 2; extent = [4, 4]; };
action = { beta = 1.5; };
run = { seed = 5; tasks = ["exact", "train", "sample", "hmc", "compare"]; };
init = { start = "hot"; };
hmc = { trajectories = 2000; thermalization = 50; save_every = 0; };
flow = { K = 1; width = 8; depth = 1; steps = 4; };
train = { steps = 30; batch = 32; block = 32; lr = 0.02; log_every = 10;
          checkpoint_every = 10; };
sample = { n = 2048; block = 64; stepper = "rkf45"; eps_abs = 1e-7; eps_rel = 1e-7;
           ref_n = 64; };
EOF
run() { n=$1; d=$2; shift 2; reg_run "$n" "$d" "$tmp/tiny.conf" "$@"; }  # run NP DIR ARGS...
run 1 "$tmp/a"; rc=$?
[ $rc -eq 0 ] && ok "np=1 run" || bad "np=1 run exit $rc ($(tail -n 3 "$tmp/a.log"))"
run "$np" "$tmp/b"; rc=$?
[ $rc -eq 0 ] && ok "np=$np run" || bad "np=$np run exit $rc ($(tail -n 3 "$tmp/b.log"))"
dirs="$tmp/b"
if [ "$np" -eq 4 ]; then
  run 4 "$tmp/c" --set train.groups=2; rc=$?
  [ $rc -eq 0 ] && ok "np=4, 2 groups x 2 domains" || bad "np=4 groups=2 exit $rc ($(tail -n 3 "$tmp/c.log"))"
  dirs="$dirs $tmp/c"
fi
for f in model.h5 ensemble.h5 summary.json; do
  [ -f "$tmp/a/$f" ] && ok "$f written" || bad "$f missing"
done
for d in $dirs; do
  if command -v h5diff >/dev/null 2>&1; then
    h5diff "$tmp/a/model.h5" "$d/model.h5" /theta >/dev/null 2>&1 \
      && ok "h5diff theta $d" || bad "h5diff: trained parameters differ ($d)"
  fi
done
# shellcheck disable=SC2086
/usr/bin/python3 - "$tmp/a" $dirs <<'PY' && ok "summary keys, physics, layout identity" || bad "summary keys, physics or layout identity"
import json, sys, h5py, numpy as np
sys.path.insert(0, "tests/lib")
from summary_flat import flat
A = json.load(open(sys.argv[1] + "/summary.json"))
t, s, c = A["train"], A["sample"], A["compare"]
ex = A["exact"]["plaquette"]
assert t["steps"] == 30 and t["parameters"] > 0 and "core_hours" in t, t
assert 0.5 < s["ess"] <= 1 and 0 < s["acceptance"] <= 1, (s["ess"], s["acceptance"])
for k in ("mean", "error", "exact"): assert k in s["logZ"] and k in s["observables"]["plaquette"]
imh, rw = s["imh"]["plaquette"], s["observables"]["plaquette"]
assert abs(imh["mean"] - ex) < 3 * imh["error"], ("IMH", imh, ex)
assert abs(rw["mean"] - ex) < 3 * rw["error"], ("reweighted", rw, ex)
assert s["logq_error"]["max_abs"] < 1e-4, s["logq_error"]
for g in ("flow", "hmc"):
    for k in ("acceptance", "tau_int", "cost_per_independent_sample"): assert k in c[g], (g, k)
assert abs(c["hmc"]["plaquette"]["mean"] - ex) < 3 * c["hmc"]["plaquette"]["error"], c["hmc"]
assert c["exact"]["plaquette"] == ex
def configs(d):
    """the stored flow samples: (number, plaquette attribute, link bytes)"""
    with h5py.File(d + "/ensemble.h5", "r") as f:
        g = f["configs/flow"]
        return [(int(k), g[k].attrs["plaquette"], g[k]["links"][...].tobytes()) for k in sorted(g, key=int)]
with h5py.File(sys.argv[1] + "/ensemble.h5", "r") as f:
    assert f["observables/flow/plaquette"].shape[0] == 2048
    plaq = np.array(f["observables/flow/plaquette"])
ca = configs(sys.argv[1])
assert [c[0] for c in ca] == list(range(2048)), "configs/flow numbers"
assert all(c[1] == plaq[c[0]] for c in ca), "configs/flow plaquette attributes"
for d in sys.argv[2:]:
    assert configs(d) == ca, "stored flow samples differ: " + d
ta = np.array(h5py.File(sys.argv[1] + "/model.h5", "r")["theta"])
fa = {k: v for k, v in flat({"train": t, "sample": s}).items()
      if "seconds" not in k and "core_hours" not in k and k not in ("train.groups", "sample.n_eval")}
for d in sys.argv[2:]:
    B = json.load(open(d + "/summary.json"))
    fb = flat({"train": B["train"], "sample": B["sample"]})
    diff = [k for k in fa if fa[k] != fb.get(k)]
    assert not diff, (d, [(k, fa[k], fb.get(k)) for k in diff])
    tb = np.array(h5py.File(d + "/model.h5", "r")["theta"])
    assert ta.tobytes() == tb.tobytes(), "parameters differ: " + d
PY
# resume bit-identity (constant learning rate: the schedule does not depend on train.steps)
R="--set train.schedule=\"constant\" --set run.tasks=[\"train\"]"
# shellcheck disable=SC2086
run 1 "$tmp/r1" $R; rc1=$?
# shellcheck disable=SC2086
run 1 "$tmp/r2" $R --set train.steps=15; rc2=$?
cp "$tmp/r2/summary.json" "$tmp/r2.first.json" 2>/dev/null
# shellcheck disable=SC2086
run 1 "$tmp/r2" $R --set run.resume=true; rc3=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ]; then
  /usr/bin/python3 - "$tmp/r1" "$tmp/r2" <<'PY' && ok "resume 15 -> 30 bit-identical" || bad "resume not bit-identical"
import json, sys, h5py, numpy as np
a = np.array(h5py.File(sys.argv[1] + "/model.h5", "r")["theta"])
b = np.array(h5py.File(sys.argv[2] + "/model.h5", "r")["theta"])
t = json.load(open(sys.argv[2] + "/summary.json"))["train"]
assert t["resumed_from"] == 15 and t["steps"] == 30, t
assert a.tobytes() == b.tobytes()
PY
  /usr/bin/python3 - "$tmp/r2.first.json" "$tmp/r2" <<'PY' && ok "training cost summed over the resumed runs" || bad "training cost totals"
import json, sys, h5py
t1 = json.load(open(sys.argv[1]))["train"]
t2 = json.load(open(sys.argv[2] + "/summary.json"))["train"]
close = lambda a, b: abs(a - b) <= 1e-12 * abs(b)
for k in ("seconds", "cpu_seconds", "core_seconds"):
    assert t1[k] > 0 and t2[k] > 0, (k, t1[k], t2[k])
    assert close(t1[k + "_total"], t1[k]), (k, t1)                # fresh run: total = this run
    assert close(t2[k + "_total"], t1[k + "_total"] + t2[k]), (k, t1, t2)
assert t1["cost_from_step"] == 0 and t2["cost_from_step"] == 0
assert close(t2["core_hours_total"], t2["core_seconds_total"] / 3600), t2
with h5py.File(sys.argv[2] + "/model.h5", "r") as f:
    assert f.attrs["format_version"] == 2 and f.attrs["cost_from_step"] == 0
    for k in ("seconds", "cpu_seconds", "core_seconds"):
        assert f.attrs[k + "_total"] == t2[k + "_total"], (k, f.attrs[k + "_total"], t2)
PY
else
  bad "resume runs exit $rc1 $rc2 $rc3 ($(tail -n 2 "$tmp/r2.log"))"
fi
# the linear model
LIN='--set flow.model="linear" --set flow.init="lo" --set flow.shapes=["plaquette","rectangle"]'
# shellcheck disable=SC2086
run 1 "$tmp/l1" $LIN --set 'run.tasks=["train","sample"]'; rc1=$?
# shellcheck disable=SC2086
run "$np" "$tmp/l2" $LIN --set 'run.tasks=["train","sample"]'; rc2=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then
  /usr/bin/python3 - "$tmp/l1" "$tmp/l2" <<'PY' && ok "linear model: physics and layout identity" || bad "linear model"
import json, sys, h5py, numpy as np
A = json.load(open(sys.argv[1] + "/summary.json"))
t, s = A["train"], A["sample"]
assert t["model"] == "linear" and t["init"] == "lo" and t["parameters"] == 12, t
assert 0.5 < s["ess"] <= 1, s["ess"]
ex = s["observables"]["plaquette"]["exact"]
imh, rw = s["imh"]["plaquette"], s["observables"]["plaquette"]
assert abs(imh["mean"] - ex) < 3 * imh["error"], ("IMH", imh, ex)
assert abs(rw["mean"] - ex) < 3 * rw["error"], ("reweighted", rw, ex)
a = np.array(h5py.File(sys.argv[1] + "/model.h5", "r")["theta"])
b = np.array(h5py.File(sys.argv[2] + "/model.h5", "r")["theta"])
assert a.tobytes() == b.tobytes(), "linear parameters differ between layouts"
assert json.load(open(sys.argv[2] + "/summary.json"))["sample"]["ess"] == s["ess"]
PY
else
  bad "linear model runs exit $rc1 $rc2 ($(tail -n 2 "$tmp/l1.log"))"
fi
# the linear model with the path gradient
# shellcheck disable=SC2086
run 1 "$tmp/p1" $LIN --set 'run.tasks=["train","sample"]' --set train.gradient='"path"'; rc1=$?
# shellcheck disable=SC2086
run "$np" "$tmp/p2" $LIN --set 'run.tasks=["train","sample"]' --set train.gradient='"path"'; rc2=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && grep -q "path gradient" "$tmp/p1.log"; then
  /usr/bin/python3 - "$tmp/p1" "$tmp/p2" "$tmp/l1" <<'PY' && ok "path gradient: physics and layout identity" || bad "path gradient"
import json, sys, h5py, numpy as np
A = json.load(open(sys.argv[1] + "/summary.json"))
t, s = A["train"], A["sample"]
assert t["gradient"] == "path", t["gradient"]
assert json.load(open(sys.argv[3] + "/summary.json"))["train"]["gradient"] == "total"
assert t["model_hash"] != json.load(open(sys.argv[3] + "/summary.json"))["train"]["model_hash"]
assert 0.5 < s["ess"] <= 1, s["ess"]
ex, imh = s["observables"]["plaquette"]["exact"], s["imh"]["plaquette"]
assert abs(imh["mean"] - ex) < 3 * imh["error"], ("IMH", imh, ex)
th = [np.array(h5py.File(d + "/model.h5", "r")["theta"]) for d in sys.argv[1:4]]
assert th[0].tobytes() == th[1].tobytes(), "path-gradient parameters differ between layouts"
assert th[0].tobytes() != th[2].tobytes(), "path gradient gave the total gradient's parameters"
PY
else
  bad "path gradient runs exit $rc1 $rc2 ($(tail -n 2 "$tmp/p1.log"))"
fi
run 1 "$tmp/l1" --set 'run.tasks=["sample"]'; rc=$?
[ $rc -eq 3 ] && grep -q "flow.model" "$tmp/l1.log" && ok "mlp sample of a linear model.h5 refused" \
  || bad "mlp sample of a linear model.h5: exit $rc ($(tail -n 2 "$tmp/l1.log"))"
run 1 "$tmp/l1" --set 'run.tasks=["train"]' --set run.resume=true; rc=$?
[ $rc -eq 3 ] && grep -q "flow.model" "$tmp/l1.log" && ok "mlp resume of a linear model.h5 refused" \
  || bad "mlp resume of a linear model.h5: exit $rc ($(tail -n 2 "$tmp/l1.log"))"
# sample into a directory that holds flow samples: refused without
# run.resume; with it continued up to sample.n, bit for bit the samples of
# one run (here 1024 at np = 1, continued to 2048 at np = EMF_NP)
S='run.tasks=["sample"]'
cp "$tmp/a/summary.json" "$tmp/a.json"  # every run rewrites summary.json
run 1 "$tmp/a" --set "$S"; rc=$?
[ $rc -eq 3 ] && grep -q "already holds 2048 flow samples" "$tmp/a.log" && grep -q "run.resume" "$tmp/a.log" \
  && ok "sample into stored flow samples without run.resume refused (exit 3)" \
  || bad "sample without run.resume: exit $rc ($(tail -n 2 "$tmp/a.log"))"
mkdir -p "$tmp/s" && cp "$tmp/a/model.h5" "$tmp/s/"
run 1 "$tmp/s" --set "$S" --set sample.n=1024; rc1=$?
cp "$tmp/s/summary.json" "$tmp/s.first.json" 2>/dev/null
run "$np" "$tmp/s" --set "$S" --set run.resume=true; rc2=$?
cp "$tmp/s/summary.json" "$tmp/s.second.json" 2>/dev/null
run 1 "$tmp/s" --set "$S" --set run.resume=true; rc3=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ]; then
  /usr/bin/python3 - "$tmp/a" "$tmp/s" "$tmp/s.first.json" "$tmp/s.second.json" <<'PY' \
    && ok "sample resumed 1024 -> 2048 (np $np): series and summary as one run, cost summed" || bad "sample resume"
import json, sys, h5py, numpy as np
sys.path.insert(0, "tests/lib")
from summary_flat import flat
names = ("logq", "action", "logw", "plaquette", "logq_ref", "action_ref")
with h5py.File(sys.argv[1] + "/ensemble.h5", "r") as fa, h5py.File(sys.argv[2] + "/ensemble.h5", "r") as fb:
    for n in names:
        x, y = np.array(fa["observables/flow/" + n]), np.array(fb["observables/flow/" + n])
        assert x.shape == y.shape == ((64,) if n.endswith("_ref") else (2048,)), (n, x.shape, y.shape)
        assert x.tobytes() == y.tobytes(), n
    assert "model_hash" in fb["observables/flow/logq"].attrs["sampler"].decode()
    ga, gb = fa["configs/flow"], fb["configs/flow"]
    assert sorted(ga, key=int) == sorted(gb, key=int) and len(gb) == 2048, len(gb)
    for k in ga:
        assert ga[k]["links"][...].tobytes() == gb[k]["links"][...].tobytes(), k
skip = ("seconds", "n_eval", "n_this_run", "resumed_from")
A = flat(json.load(open(sys.argv[1] + ".json"))["sample"])
A = {k: v for k, v in A.items() if not any(w in k for w in skip)}
first = json.load(open(sys.argv[3]))["sample"]
assert first["n"] == 1024 and first["resumed_from"] == -1 and first["n_this_run"] == 1024, first
for j, want in ((sys.argv[4], (1024, 1024)), (sys.argv[2] + "/summary.json", (2048, 0))):
    B = json.load(open(j))["sample"]
    assert (B["resumed_from"], B["n_this_run"]) == want, (j, B["resumed_from"], B["n_this_run"])
    B = flat(B)
    diff = [k for k in A if A[k] != B.get(k)]
    assert not diff, (j, [(k, A[k], B.get(k)) for k in diff])
# sampling cost of all samples: the first run's, plus the resumed run's, unchanged by the third
c1, c2 = json.load(open(sys.argv[3]))["sample"], json.load(open(sys.argv[4]))["sample"]
c3 = json.load(open(sys.argv[2] + "/summary.json"))["sample"]
close = lambda x, y: abs(x - y) <= 1e-12 * abs(y)
assert c1["core_seconds_total"] == c1["core_seconds"] > 0, c1
assert close(c2["core_seconds_total"], c1["core_seconds"] + c2["core_seconds"]), (c1, c2)
assert close(c3["core_seconds_total"], c2["core_seconds_total"]), (c2, c3)
with h5py.File(sys.argv[2] + "/ensemble.h5", "r") as fb:
    assert close(float(fb["observables/flow/logq"].attrs["core_seconds"].decode()), c2["core_seconds_total"])
PY
else
  bad "sample resume runs exit $rc1 $rc2 $rc3 ($(tail -n 2 "$tmp/s.log"))"
fi
run 1 "$tmp/s" --set "$S" --set run.resume=true --set sample.eps_abs=1e-6; rc=$?
[ $rc -eq 3 ] && grep -q "cannot be continued" "$tmp/s.log" \
  && ok "resumed sample with other tolerances refused (exit 3)" \
  || bad "resumed sample with other tolerances: exit $rc ($(tail -n 2 "$tmp/s.log"))"
run 1 "$tmp/d" --set 'run.tasks=["compare"]'; rc=$?
[ $rc -eq 2 ] && grep -q "sample" "$tmp/d.log" && ok "compare without sample refused (exit 2)" \
  || bad "compare without sample: exit $rc ($(tail -n 2 "$tmp/d.log"))"
reg_finish test_lattice_tasks
