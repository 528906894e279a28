#!/bin/sh
# test_single_tasks.sh: the train and sample tasks end to end on a tiny
# single-matrix problem (SU(2), beta = 3; 12 Adam steps, batch 32, 256
# samples), run as the user would run them.
#
# NP: 1 2
# TIMEOUT: 300
#
# Checks: both tasks succeed; model.h5, ensemble.h5 and summary.json exist,
# no *.tmp is left; summary.json has train.loss, train.steps = 12,
# sample.ess in (0, 1], sample.acceptance, sample.logZ.{mean,error},
# sample.observables.ReTrU_over_N/ReTrU2_over_N.{mean,error} and the log q
# error; the same run at np = 1 and np = EMF_NP gives the same trained
# parameters (bitwise, h5 dataset theta) and the same ESS digits; resume:
# train.steps = 16 with run.resume continues from step 12
# (train.resumed_from = 12; train.{seconds,cpu_seconds}_total exceed this
# run's values, cost_from_step = 0); a changed network with the old model.h5 is
# refused (exit 3, message names the file); an existing model.h5 without
# run.resume is refused (exit 3); sample alone in an empty directory is refused (exit 3).
set -u
. "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
reg_init emf_flowtasks 1
SETS="--set action.beta=3.0 --set train.steps=12 --set train.batch=32 --set train.block=8
      --set train.log_every=4 --set flow.width=8 --set flow.steps=4 --set sample.n=256
      --set sample.block=32 --set sample.stepper=\"rkf45\""
# shellcheck disable=SC2086
run() { n=$1; d=$2; shift 2; reg_run "$n" "$d" input/single_su2.conf $SETS "$@"; }  # run NP DIR ARGS...
run 1 "$tmp/a"; rc=$?
[ $rc -eq 0 ] && ok "train+sample np=1" || bad "train+sample np=1 exit $rc ($(tail -n 3 "$tmp/a.log"))"
run "$np" "$tmp/b"; rc=$?
[ $rc -eq 0 ] && ok "train+sample np=$np" || bad "train+sample np=$np exit $rc"
for f in model.h5 ensemble.h5 summary.json; do
  [ -f "$tmp/a/$f" ] && ok "$f written" || bad "$f missing"
done
ls "$tmp"/a/*.tmp >/dev/null 2>&1 && bad "temporary file left" || ok "no .tmp left"
/usr/bin/python3 - "$tmp/a" "$tmp/b" <<'PY' && ok "summary keys, np identity" || bad "summary keys or np identity"
import json, sys, h5py, numpy as np
a = json.load(open(sys.argv[1] + "/summary.json"))
b = json.load(open(sys.argv[2] + "/summary.json"))
t, s = a["train"], a["sample"]
assert t["steps"] == 12 and "loss" in t, t
assert 0 < s["ess"] <= 1 and 0 <= s["acceptance"] <= 1, s
for k in ("mean", "error"):
    assert k in s["logZ"]
    for o in ("ReTrU_over_N", "ReTrU2_over_N"):
        assert k in s["observables"][o]
assert "max_abs" in s["logq_error"]
ta = np.array(h5py.File(sys.argv[1] + "/model.h5", "r")["theta"])
tb = np.array(h5py.File(sys.argv[2] + "/model.h5", "r")["theta"])
assert ta.tobytes() == tb.tobytes(), "parameters differ between rank counts"
assert s["ess"] == b["sample"]["ess"], (s["ess"], b["sample"]["ess"])
PY
run 1 "$tmp/a" --set train.steps=16 --set run.resume=true; rc=$?
/usr/bin/python3 -c "import json,sys; t=json.load(open('$tmp/a/summary.json'))['train']; sys.exit(not (t['resumed_from']==12 and t['steps']==16 and t['cost_from_step']==0 and t['cpu_seconds_total'] > t['cpu_seconds'] > 0 and t['seconds_total'] > t['seconds'] > 0))" \
  && [ $rc -eq 0 ] && ok "resume 12 -> 16, cost totals over both runs" || bad "resume (exit $rc)"
run 1 "$tmp/a" --set flow.width=9 --set run.resume=true train; rc=$?
[ $rc -eq 3 ] && grep -q "model.h5" "$tmp/a.log" && ok "other network refused (exit 3)" \
  || bad "other network: exit $rc ($(tail -n 2 "$tmp/a.log"))"
run 1 "$tmp/a" train; rc=$?
[ $rc -eq 3 ] && grep -q "run.resume" "$tmp/a.log" && ok "existing model without run.resume refused (exit 3)" \
  || bad "existing model without run.resume: exit $rc"
run 1 "$tmp/c" sample; rc=$?
[ $rc -eq 3 ] && grep -q "train task first" "$tmp/c.log" && ok "sample without model refused (exit 3)" \
  || bad "sample without model: exit $rc"
reg_finish test_single_tasks
