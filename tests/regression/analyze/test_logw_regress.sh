#!/bin/sh
# test_logw_regress.sh: analysis/logw_regress.py finds the operator that log w
# was made of, through a gauge transformation, and refuses bad input.
#
# TIMEOUT: 120
#
# A generator (python below, fixed seed) writes 512 Haar-random SU(3) 6x6
# configurations as configs/flow/<n> (doc/formats.md layout) with
#   log w = O_13 + noise,  O_13 = sum over x of Re tr of the 1x3 and the 3x1
#   loop at x (computed here by site-by-site index arithmetic, not by the
#   script's path walker),
# noise Gaussian with variance var(O_13)/4, so the exact R^2 is 0.8, and
# stores each configuration after a random gauge transformation (log w is
# computed before it).  Checked:
# - the 1x3 group scores R^2 in [0.70, 0.90]: 256 scored samples give a
#   standard error of about 0.02 for R^2 = 0.8, so the window is +-5 errors;
#   a gauge-dependent or wrongly closed loop scores about 0;
# - the 2x2 group (independent of O_13 under the Haar measure) scores at most
#   0.05 (expected -10/256 = -0.04, error about 0.02: 4 errors);
# - --more (run2: the same configurations, log w = O_3 + noise with R^2 0.8,
#   O_3 = sum over x and both directions mu of the product of Re tr P at x,
#   x + mu^, x + 2 mu^, again by index arithmetic): the "three plaquettes"
#   group scores in [0.70, 0.90], the Polyakov loops (independent of O_3
#   under the Haar measure; expected -8/256 = -0.03) at most 0.05;
# - --more on run3 (log w = sum over y of Re tr of the Polyakov loop in
#   direction 0, R^2 0.8): the Polyakov group scores in [0.70, 0.90];
# - the model's terms are read from parameters.conf and not listed as
#   candidates;
# - bad input exits 1 naming the file or option: an ensemble without
#   configs/flow, a missing file, an unknown --group.
set -u
root=${EMF_ROOT:-$(pwd)}
py=/usr/bin/python3
out=$root/build/tmp/test_logw_regress
fails=0; passes=0
check() { if eval "$2"; then passes=$((passes + 1)); else fails=$((fails + 1)); echo "FAIL: $1"; fi; }
# alone GROUP FILE: the "alone" R^2 of GROUP (name, columns, alone, added)
alone() { awk -v g="$1" '{ n = $1; for (i = 2; i <= NF - 3; i++) n = n " " $i }
                         n == g && NF >= 4 { print $(NF - 1) }' "$2"; }
# within R LO HI: R is a number in [LO, HI]
within() { awk -v r="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(r != "" && r + 0 >= lo && r + 0 <= hi) }'; }
rm -rf "$out"; mkdir -p "$out/run" "$out/run2" "$out/run3" "$out/empty"
$py - "$out" <<'PYEOF'
import sys, h5py, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(20211207)
L, N, n = 6, 3, 512

def haar(shape):
    z = (rng.normal(size=shape + (N, N)) + 1j * rng.normal(size=shape + (N, N))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    d = np.diagonal(r, axis1=-2, axis2=-1)
    q = q * (d / abs(d))[..., None, :]
    return q / np.linalg.det(q)[..., None, None] ** (1.0 / N)

dag = lambda a: np.conj(np.swapaxes(a, -1, -2))
u = haar((n, L, L, 2))
obs = np.zeros(n)
for x in range(L):
    for y in range(L):
        for mu, nu in ((0, 1), (1, 0)):
            def at(k, l, d):             # link U_d at x + k mu^ + l nu^
                c = [x, y]; c[mu] += k; c[nu] += l
                return u[:, c[0] % L, c[1] % L, d]
            w = at(0, 0, mu) @ at(1, 0, mu) @ at(2, 0, mu) @ at(3, 0, nu) \
                @ dag(at(2, 1, mu)) @ dag(at(1, 1, mu)) @ dag(at(0, 1, mu)) @ dag(at(0, 0, nu))
            obs += np.trace(w, axis1=-2, axis2=-1).real
logw = obs + rng.normal(size=n) * obs.std() / 2
g = haar((n, L, L))
ug = np.empty_like(u)
for d in range(2):
    ug[:, :, :, d] = g @ u[:, :, :, d] @ dag(np.roll(g, -1, axis=1 + d))
with h5py.File(out + "/run/ensemble.h5", "w") as f:
    f["observables/flow/logw"] = logw
    for i in range(n):
        f["configs/flow/%06d/links" % i] = np.stack([ug[i].real, ug[i].imag], -1)
plaq = np.zeros((n, L, L))
for x in range(L):
    for y in range(L):
        w = u[:, x, y, 0] @ u[:, (x + 1) % L, y, 1] @ dag(u[:, x, (y + 1) % L, 0]) @ dag(u[:, x, y, 1])
        plaq[:, x, y] = np.trace(w, axis1=-2, axis2=-1).real
o3 = sum((plaq * np.roll(plaq, -1, axis=a) * np.roll(plaq, -2, axis=a)).sum((1, 2)) for a in (1, 2))
with h5py.File(out + "/run2/ensemble.h5", "w") as f:
    f["observables/flow/logw"] = o3 + rng.normal(size=n) * o3.std() / 2
    for i in range(n):
        f["configs/flow/%06d/links" % i] = np.stack([ug[i].real, ug[i].imag], -1)
pol = np.zeros(n)
for y in range(L):                       # Re tr of the Polyakov loop in direction 0 at y
    w = u[:, 0, y, 0]
    for x in range(1, L):
        w = w @ u[:, x, y, 0]
    pol += np.trace(w, axis1=-2, axis2=-1).real
with h5py.File(out + "/run3/ensemble.h5", "w") as f:
    f["observables/flow/logw"] = pol + rng.normal(size=n) * pol.std() / 2
    for i in range(n):
        f["configs/flow/%06d/links" % i] = np.stack([ug[i].real, ug[i].imag], -1)
with h5py.File(out + "/empty/ensemble.h5", "w") as f:
    f["observables/flow/logw"] = logw
open(out + "/run/parameters.conf", "w").write('flow = {\n  shapes = ["plaquette", "rectangle"];\n};\n')
PYEOF
check "generator ran" '[ -f "$out/run/ensemble.h5" ]'
$py "$root/analysis/logw_regress.py" --group 1x3 "$out/run" > "$out/res.txt" 2>&1; rc=$?
cat "$out/res.txt"
check "exit 0" '[ $rc -eq 0 ]'
r13=$(alone 1x3 "$out/res.txt")
r22=$(alone 2x2 "$out/res.txt")
check "1x3 R^2 $r13 in [0.70, 0.90]" 'within "$r13" 0.70 0.90'
check "2x2 R^2 $r22 at most 0.05" 'within "$r22" -1 0.05'
check "model terms read from parameters.conf" 'grep -q "the model.s terms (plaquette, rectangle;" "$out/res.txt"'
check "model terms not listed as candidates" '! grep -qE "^  (plaquette|rectangle) " "$out/res.txt"'
$py "$root/analysis/logw_regress.py" --more "$out/run2" > "$out/res2.txt" 2>&1; rc=$?
cat "$out/res2.txt"
check "--more: exit 0" '[ $rc -eq 0 ]'
r3=$(alone "three plaquettes" "$out/res2.txt")
rp=$(alone "Polyakov loops" "$out/res2.txt")
check "three plaquettes R^2 $r3 in [0.70, 0.90]" 'within "$r3" 0.70 0.90'
check "Polyakov loops R^2 $rp at most 0.05" 'within "$rp" -1 0.05'
$py "$root/analysis/logw_regress.py" --more "$out/run3" > "$out/res3.txt" 2>&1; rc=$?
cat "$out/res3.txt"
rp3=$(alone "Polyakov loops" "$out/res3.txt")
check "planted Polyakov loop: R^2 $rp3 in [0.70, 0.90]" '[ $rc -eq 0 ] && within "$rp3" 0.70 0.90'
$py "$root/analysis/logw_regress.py" "$out/empty" > "$out/e1.txt" 2>&1; rc=$?
check "no configs/flow: exit 1 naming the file" '[ $rc -eq 1 ] && grep -q "empty/ensemble.h5: no configs/flow" "$out/e1.txt"'
$py "$root/analysis/logw_regress.py" "$out/missing" > "$out/e2.txt" 2>&1; rc=$?
check "missing file: exit 1 naming it" '[ $rc -eq 1 ] && grep -q "missing/ensemble.h5" "$out/e2.txt"'
$py "$root/analysis/logw_regress.py" --group nope "$out/run" > "$out/e3.txt" 2>&1; rc=$?
check "unknown --group: exit 1 naming it" '[ $rc -eq 1 ] && grep -q "group nope" "$out/e3.txt"'
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
