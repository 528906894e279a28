#!/bin/sh
# test_lattice_xfer.sh: train.init_from, a lattice training started from a
# model trained on another lattice and beta (doc/flow_lattice.md,
# "Transfer").  Source: 2D SU(2) 4x4, beta 1.5, plaquette network K = 1,
# width 8, 10 Adam steps of batch 32 with 4 RK4 steps, at np = 1.
#
# NP: 2
# TIMEOUT: 300
#
# Checks:
#  - transfer with train.steps = 0 into 6x6 at beta 1.8 (tasks train and
#    sample): exit 0; /theta of the new model.h5 equals the source's bit
#    for bit (h5diff and byte comparison); Adam afresh (adam_t = 0, step 0,
#    moments zero); the new model.h5 records N = 2, extent "6x6", beta 1.8,
#    shapes "plaquette", init_from (the path), init_from_step = 10 and the
#    source's model hash; summary train.init_from, init_from_step,
#    init_from_core_seconds = the source's core_seconds_total, and the cost
#    totals = the source's totals + this run (relative 1e-12); the sample
#    task runs the transferred model (sample.model_step = 0, 0 < ESS <= 1);
#  - fine-tuning 4 steps from the source into 4x6 at np = 1 and np = EMF_NP
#    gives bit-identical parameters, different from the source's, and
#    train.steps = 4;
#  - run.resume of the fine-tuned run with a model.h5 present and
#    train.init_from still set: the checkpoint wins (log line "not used"),
#    train.resumed_from = 4, the summary still names init_from;
#  - bad inputs end with exit 3, a message naming train.init_from and the
#    file (and the differing key) and no model.h5 in the run directory:
#    missing file, a file that is not HDF5, flow.K 2 vs 1, flow.shapes
#    [rectangle] vs [plaquette], flow.model "linear" vs "mlp", flow.width,
#    flow.degree 2 vs 1 (a linear source);
#  - the pair term: a linear source with flow.shapes [plaquette,
#    plaquette-pair] (2 steps; 6 + 9 parameters, the pair term's at its own
#    offset, zero at the start) fine-tuned 2 steps into 4x6 at np = 1 and
#    np = EMF_NP: bit-identical parameters, 15 of them (train.parameters),
#    the pair term's moved from the source's; refused into flow.degree 2
#    ("flow.degree 1 there, 2 here": the count of mixed terms) and into
#    flow.shapes [plaquette];
#  - a source without the N / shapes attributes (as written before they
#    were stored; removed here with h5py) still transfers (warning "does
#    not record"), and a K mismatch is still refused;
#  - train.init_from with target.type = "single" is a configuration error
#    (exit 2, message naming train.init_from).
set -u
. "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
reg_init emf_latxfer 2
cat >"$tmp/src.conf" <<'EOF'
lattice = { N = 2; extent = [4, 4]; };
action = { beta = 1.5; };
run = { seed = 5; tasks = ["train"]; };
flow = { K = 1; width = 8; depth = 1; steps = 4; };
train = { steps = 10; batch = 32; block = 32; lr = 0.02; log_every = 5; };
sample = { n = 256; block = 64; stepper = "rkf45"; eps_abs = 1e-6; eps_rel = 1e-6;
           ref_factor = 0; };
EOF
S="$tmp/src/model.h5"
run() { n=$1; d=$2; shift 2; reg_run "$n" "$d" "$tmp/src.conf" "$@"; }  # run NP DIR ARGS...
run 1 "$tmp/src"; rc=$?
[ $rc -eq 0 ] && ok "source run" || bad "source run exit $rc ($(tail -n 3 "$tmp/src.log"))"

# transfer with train.steps = 0, then sample the transferred model
run 1 "$tmp/t0" --set "train.init_from=\"$S\"" --set 'lattice.extent=[6,6]' \
  --set action.beta=1.8 --set train.steps=0 --set 'run.tasks=["train","sample"]'; rc=$?
if [ $rc -eq 0 ]; then
  ok "transfer with train.steps = 0 and sample"
  h5diff "$S" "$tmp/t0/model.h5" /theta >/dev/null 2>&1 && ok "h5diff /theta: same parameters" \
    || bad "h5diff: transferred parameters differ"
  grep -q "parameters from $S (trained on SU(2) 4x4, shapes plaquette, beta 1.5, step 10)" \
    "$tmp/t0.log" && ok "log names the source, its lattice, beta and step" \
    || bad "log line of the transfer ($(grep 'parameters from' "$tmp/t0.log"))"
  /usr/bin/python3 - "$tmp/src" "$tmp/t0" "$S" <<'PY' && ok "transfer: bits, Adam, attributes, summary, cost" || bad "transfer record"
import json, sys, h5py, numpy as np
src, dst, path = sys.argv[1:4]
a, b = h5py.File(src + "/model.h5", "r"), h5py.File(dst + "/model.h5", "r")
assert np.array(a["theta"]).tobytes() == np.array(b["theta"]).tobytes(), "theta"
assert b.attrs["adam_t"] == 0 and b.attrs["step"] == 0, dict(b.attrs)
assert not np.any(np.array(b["adam_m"])) and not np.any(np.array(b["adam_v"])), "moments"
assert a.attrs["N"] == 2 and a.attrs["extent"].decode() == "4x4" and a.attrs["beta"] == 1.5
assert b.attrs["N"] == 2 and b.attrs["extent"].decode() == "6x6" and b.attrs["beta"] == 1.8
assert b.attrs["shapes"].decode() == "plaquette" and b.attrs["format_version"] == 2
assert b.attrs["init_from"].decode() == path and b.attrs["init_from_step"] == 10
assert b.attrs["init_from_hash"] == a.attrs["config_hash"]
assert "init_from" not in a.attrs
ts = json.load(open(src + "/summary.json"))["train"]
S = json.load(open(dst + "/summary.json"))
t, s = S["train"], S["sample"]
assert t["init_from"] == path and t["init_from_step"] == 10 and t["steps"] == 0, t
assert t["init_from_core_seconds"] == ts["core_seconds_total"] > 0, (t, ts)
assert "init_from" not in ts
close = lambda x, y: abs(x - y) <= 1e-12 * abs(y)
for k in ("seconds", "cpu_seconds", "core_seconds"):
    assert close(t[k + "_total"], ts[k + "_total"] + t[k]), (k, t, ts)
    assert b.attrs[k + "_total"] == t[k + "_total"], k
assert s["model_step"] == 0 and 0 < s["ess"] <= 1, s
PY
else
  bad "transfer with train.steps = 0: exit $rc ($(tail -n 3 "$tmp/t0.log"))"
fi

# fine-tuning at np = 1 and np = EMF_NP: the same bits
F="--set train.init_from=\"$S\" --set lattice.extent=[4,6] --set train.steps=4"
# shellcheck disable=SC2086
run 1 "$tmp/f1" $F; rc1=$?
# shellcheck disable=SC2086
run "$np" "$tmp/f2" $F; rc2=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then
  h5diff "$tmp/f1/model.h5" "$tmp/f2/model.h5" /theta >/dev/null 2>&1 \
    && ok "fine-tuned parameters: h5diff np=1 vs np=$np" || bad "h5diff: np=1 vs np=$np differ"
  /usr/bin/python3 - "$tmp/f1" "$tmp/f2" "$tmp/src" <<'PY' && ok "fine-tune 4 steps: np=1 and np=$np bit-identical, moved from the source" || bad "fine-tune"
import json, sys, h5py, numpy as np
th = [np.array(h5py.File(d + "/model.h5", "r")["theta"]) for d in sys.argv[1:4]]
assert th[0].tobytes() == th[1].tobytes(), "np=1 vs np"
assert th[0].shape == th[2].shape and np.any(th[0] != th[2]), "no training happened"
for d in sys.argv[1:3]:
    t = json.load(open(d + "/summary.json"))["train"]
    assert t["steps"] == 4 and t["steps_this_run"] == 4 and t["resumed_from"] == -1, t
PY
else
  bad "fine-tune runs exit $rc1 $rc2 ($(tail -n 3 "$tmp/f2.log"))"
fi
# shellcheck disable=SC2086
run 1 "$tmp/f1" $F --set run.resume=true --set train.steps=6; rc=$?
if [ $rc -eq 0 ] && grep -q "train.init_from = $S is not used (the checkpoint wins)" "$tmp/f1.log"; then
  /usr/bin/python3 - "$tmp/f1" "$S" <<'PY' && ok "resume of a transferred run: checkpoint wins" || bad "resume of a transferred run"
import json, sys
t = json.load(open(sys.argv[1] + "/summary.json"))["train"]
assert t["resumed_from"] == 4 and t["steps"] == 6 and t["init_from"] == sys.argv[2], t
PY
else
  bad "resume with init_from: exit $rc ($(tail -n 2 "$tmp/f1.log"))"
fi

# bad inputs: exit 3, message, no model.h5
refused() {  # refused NAME WORD ARGS...: exit 3, log has train.init_from and WORD, no model.h5
  name=$1; word=$2; shift 2
  run 1 "$tmp/e" "$@"; rc=$?
  if [ $rc -eq 3 ] && grep "error" "$tmp/e.log" | grep "train.init_from" | grep -q -- "$word" \
     && [ ! -e "$tmp/e/model.h5" ]; then ok "refused: $name"
  else bad "$name: exit $rc, model.h5 $( [ -e "$tmp/e/model.h5" ] && echo present || echo absent) ($(tail -n 2 "$tmp/e.log"))"
  fi
  rm -rf "$tmp/e"
}
refused "missing file" "no such file" --set "train.init_from=\"$tmp/none/model.h5\""
refused "not HDF5" "cannot be read" --set "train.init_from=\"$tmp/src.conf\""
refused "K mismatch" "flow.K 1 there, 2 here" --set "train.init_from=\"$S\"" --set flow.K=2
refused "shapes mismatch" "flow.shapes \[plaquette\] there, \[rectangle\] here" \
  --set "train.init_from=\"$S\"" --set 'flow.shapes=["rectangle"]'
refused "model kind mismatch" 'flow.model "mlp" there, "linear" here' \
  --set "train.init_from=\"$S\"" --set 'flow.model="linear"'
refused "width mismatch" "flow.width 8 there, 6 here" --set "train.init_from=\"$S\"" --set flow.width=6
# a linear source (degree 1, 2 steps) into a degree-2 run of the same K and time basis
run 1 "$tmp/lin" --set 'flow.model="linear"' --set train.steps=2; rc=$?
[ $rc -eq 0 ] && ok "linear source run" || bad "linear source run exit $rc"
refused "degree mismatch" "flow.degree 1 there, 2 here" \
  --set "train.init_from=\"$tmp/lin/model.h5\"" --set 'flow.model="linear"' --set flow.degree=2

# the pair term: per-term parameter offsets through transfer and layouts
P='--set flow.model="linear" --set flow.shapes=["plaquette","plaquette-pair"]'
# shellcheck disable=SC2086
run 1 "$tmp/pair" $P --set train.steps=2; rc=$?
[ $rc -eq 0 ] && ok "pair-term source run" || bad "pair-term source run exit $rc ($(tail -n 2 "$tmp/pair.log"))"
PF="$P --set train.init_from=\"$tmp/pair/model.h5\" --set lattice.extent=[4,6] --set train.steps=2"
# shellcheck disable=SC2086
run 1 "$tmp/p1" $PF; rc1=$?
# shellcheck disable=SC2086
run "$np" "$tmp/p2" $PF; rc2=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then
  /usr/bin/python3 - "$tmp/p1" "$tmp/p2" "$tmp/pair" <<'PY' && ok "pair term: transferred and fine-tuned, np=1 and np=$np bit-identical" || bad "pair term transfer"
import json, sys, h5py, numpy as np
th = [np.array(h5py.File(d + "/model.h5", "r")["theta"]) for d in sys.argv[1:4]]
assert th[0].tobytes() == th[1].tobytes(), "np=1 vs np"
assert th[0].shape == (15,) and th[2].shape == (15,), th[0].shape
assert np.any(th[2][6:] != 0), "the pair term did not train in the source"
assert np.any(th[0][6:] != th[2][6:]), "the pair term did not move in the fine-tuning"
t = json.load(open(sys.argv[1] + "/summary.json"))["train"]
assert t["parameters"] == 15 and t["shapes"] == ["plaquette", "plaquette-pair"], t
PY
else
  bad "pair-term fine-tune runs exit $rc1 $rc2 ($(tail -n 2 "$tmp/p2.log"))"
fi
# shellcheck disable=SC2086
refused "pair term: degree mismatch" "flow.degree 1 there, 2 here" \
  $P --set "train.init_from=\"$tmp/pair/model.h5\"" --set flow.degree=2
refused "pair term: shapes mismatch" "flow.shapes \[plaquette,plaquette-pair\] there, \[plaquette\] here" \
  --set 'flow.model="linear"' --set "train.init_from=\"$tmp/pair/model.h5\""

# a source without the lattice attributes (written before they were stored)
mkdir -p "$tmp/old" && cp "$S" "$tmp/old/model.h5"
/usr/bin/python3 -c "
import h5py, sys
with h5py.File(sys.argv[1], 'a') as f:
    for k in ('N', 'beta', 'extent', 'shapes'): del f.attrs[k]
" "$tmp/old/model.h5"
run 1 "$tmp/o" --set "train.init_from=\"$tmp/old/model.h5\"" --set 'flow.shapes=["rectangle"]' \
  --set train.steps=0; rc=$?
[ $rc -eq 0 ] && grep -q "does not record lattice.N and flow.shapes" "$tmp/o.log" \
  && h5diff "$S" "$tmp/o/model.h5" /theta >/dev/null 2>&1 \
  && ok "old source without N/shapes: transferred with a warning" \
  || bad "old source: exit $rc ($(tail -n 2 "$tmp/o.log"))"
refused "old source, K mismatch" "flow.K 1 there, 2 here" \
  --set "train.init_from=\"$tmp/old/model.h5\"" --set flow.K=2

# single-matrix target: configuration error
run 1 "$tmp/e" --set "train.init_from=\"$S\"" --set 'target.type="single"' --set 'target.c=[1.0]'; rc=$?
[ $rc -eq 2 ] && grep -q "train.init_from" "$tmp/e.log" && [ ! -e "$tmp/e/model.h5" ] \
  && ok "single target refused (exit 2)" || bad "single target: exit $rc ($(tail -n 2 "$tmp/e.log"))"
reg_finish test_lattice_xfer
