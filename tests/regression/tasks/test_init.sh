#!/bin/sh
# test_init.sh: the init task through bin/emflow-lqft.
#
# TIMEOUT: 300
#
# - hot start, SU(2) 8x8, at np = 1, 2, 4: the plaquette (17 digits) and the
#   link checksum in summary.json are identical on every process grid;
# - the stored links (h5py) give the same plaquette, computed independently
#   in numpy (|diff| <= 1e-13), have shape [8, 8, 2, 2, 2, 2] and are
#   unitary; the file's plaquette attribute matches;
# - a second run into the same directory adds /configs/init/000001 and keeps
#   000000 bit for bit;
# - cold start, SU(3) 4^4: plaquette exactly 1.
set -u
. "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
reg_init emf_init
py=/usr/bin/python3
field() {  # field FILE KEY -> summary value as text
  $py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(repr(d["init"][sys.argv[2]]))' "$1" "$2"
}

for np in 1 2 4; do
  if timeout -k 10 120 mpirun -np $np "$bin" --set 'init.start="hot"' -o "$tmp/hot$np" init \
       input/su2.conf >"$tmp/log$np" 2>&1; then ok "hot np=$np runs"
  else bad "hot np=$np failed"; sed 's/^/     | /' "$tmp/log$np" | tail -n 5; fi
done
p1=$(field "$tmp/hot1/summary.json" plaquette); c1=$(field "$tmp/hot1/summary.json" checksum)
for np in 2 4; do
  p=$(field "$tmp/hot$np/summary.json" plaquette); c=$(field "$tmp/hot$np/summary.json" checksum)
  [ "$p" = "$p1" ] && ok "np=$np plaquette $p identical" || bad "np=$np plaquette $p != $p1"
  [ "$c" = "$c1" ] && ok "np=$np checksum identical" || bad "np=$np checksum $c != $c1"
done

if $py - "$tmp/hot1" >"$tmp/py.log" 2>&1 <<'PYEOF'
import json, sys
import h5py, numpy as np
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))["init"]
with h5py.File(d + "/ensemble.h5", "r") as f:
    g = f["configs/init/000000"]
    a = g["links"][...]
    assert a.shape == (8, 8, 2, 2, 2, 2), a.shape
    u = a[..., 0] + 1j * a[..., 1]
    N = 2
    tot = 0.0
    for mu in range(2):
        for nu in range(mu + 1, 2):
            umu, unu = u[:, :, mu], u[:, :, nu]
            unu_xmu = np.roll(unu, -1, axis=mu)
            umu_xnu = np.roll(umu, -1, axis=nu)
            w = umu @ unu_xmu @ np.conj(np.swapaxes(umu_xnu, -1, -2)) @ np.conj(np.swapaxes(unu, -1, -2))
            tot += np.trace(w, axis1=-2, axis2=-1).real.sum() / N
    P = tot / (8 * 8 * 1)
    unit = np.abs(u @ np.conj(np.swapaxes(u, -1, -2)) - np.eye(2)).max()
    print("numpy plaquette", repr(P), "summary", repr(s["plaquette"]), "unitarity", unit)
    assert abs(P - s["plaquette"]) <= 1e-13
    assert unit < 1e-13
    assert abs(g.attrs["plaquette"] - s["plaquette"]) <= 1e-15
PYEOF
then ok "stored links: numpy plaquette and unitarity"
else bad "stored links check"; sed 's/^/     | /' "$tmp/py.log" | tail -n 5; fi

cp "$tmp/hot1/ensemble.h5" "$tmp/first.h5"
if timeout -k 10 120 "$bin" -o "$tmp/hot1" init input/su2.conf >"$tmp/log_again" 2>&1 &&
   grep -q '/configs/init/000001' "$tmp/hot1/summary.json"; then ok "second run appends 000001"
else bad "second run"; sed 's/^/     | /' "$tmp/log_again" | tail -n 5; fi
if $py -c '
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], "r")["configs/init/000000/links"][...]
b = h5py.File(sys.argv[2], "r")["configs/init/000000/links"][...]
assert np.array_equal(a, b)
' "$tmp/first.h5" "$tmp/hot1/ensemble.h5" 2>"$tmp/py2.log"; then ok "000000 kept bit for bit"
else bad "000000 changed"; cat "$tmp/py2.log"; fi

if timeout -k 10 120 mpirun -np 2 "$bin" --set 'init.start="cold"' --set 'lattice.extent=[4,4,4,4]' --set 'lattice.grid=[0,0,0,0]' -o "$tmp/cold" init input/su3.conf \
     >"$tmp/log_cold" 2>&1; then ok "cold SU(3) 4^4 runs"
else bad "cold SU(3) failed"; sed 's/^/     | /' "$tmp/log_cold" | tail -n 5; fi
p=$(field "$tmp/cold/summary.json" plaquette 2>/dev/null)
[ "$p" = "1.0" ] && ok "cold plaquette exactly 1" || bad "cold plaquette $p"

reg_finish test_init
