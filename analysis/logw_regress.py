#!/usr/bin/python3
"""Which gauge-invariant lattice sums explain the variance of the flow's log
weights?  (doc/flow_lattice.md section 15)

    /usr/bin/python3 analysis/logw_regress.py runs/s8_pre13_b6
    /usr/bin/python3 analysis/logw_regress.py --group 1x3 runs/s8_pre13_b6
    /usr/bin/python3 analysis/logw_regress.py --more runs/s8_pre13_b6

RUN_DIR holds ensemble.h5 from a lattice `sample` task with
sample.save_samples = true (configs/flow/<n> and observables/flow/logw,
doc/formats.md) and parameters.conf, whose flow.shapes say which terms the
model has.  For every group of operators O_k = the sum over sites, planes
and the four rotations of a function of a loop (or of two plaquettes), log w
is fitted linearly in the O_k on the even-numbered samples and scored on the
odd ones.  The validation R^2 is the fraction of var(log w) that a term of
the potential with that dependence could remove, to first order; a group
that does not help scores about -(columns)/(samples/2).  --group prints
that group's columns one by one.  --more adds groups beyond the model
class: higher powers of the plaquette's traces, its eigenphases, products
of three and four plaquettes, and the Polyakov loops (doc/flow_lattice.md
section 16).

Needs Debian's /usr/bin/python3 with python3-h5py and numpy.
Exit status: 0 on success, 1 on bad input, 2 if a module is missing.
"""
import argparse
import itertools
import re
import sys

try:
    import numpy as np
    import h5py
except ImportError as exc:
    print("logw_regress.py: cannot import %s; run this script with "
          "/usr/bin/python3 (Debian's python3-h5py, python3-numpy)"
          % (exc.name or exc), file=sys.stderr)
    sys.exit(2)

PROG = "logw_regress.py"


def fail(msg):
    print("%s: error: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(1)


def read_run(d):
    """log w and the flow configurations (n, L_0..L_{D-1}, D, N, N) of d."""
    path = d + "/ensemble.h5"
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        fail("%s: cannot open (%s)" % (path, exc))
    with f:
        if "configs/flow" not in f or "observables/flow/logw" not in f:
            fail("%s: no configs/flow or observables/flow/logw (run the sample "
                 "task with sample.save_samples = true)" % path)
        lw = f["observables/flow/logw"][...]
        g = f["configs/flow"]
        names = sorted(g, key=int)[: len(lw)]
        if len(names) < 64:
            fail("%s: %d flow configurations with a log weight, need >= 64" % (path, len(names)))
        u = np.stack([g[k]["links"][...] for k in names])
    if u.ndim < 7 or u.shape[-1] != 2 or u.shape[-4] != u.ndim - 5:
        fail("%s: configs/flow/%s/links has shape %s, not [L.., D, N, N, 2]"
             % (path, names[0], u.shape[1:]))
    if u.ndim != 7:
        fail("%s: D = %d; the loop shapes here are planar and summed over planes, "
             "but only D = 2 is checked (tests/regression/analyze/test_logw_regress.sh)"
             % (path, u.ndim - 5))
    return lw[: len(names)], u[..., 0] + 1j * u[..., 1]


def model_terms(d):
    try:
        text = open(d + "/parameters.conf").read()
    except OSError:
        return []
    m = re.search(r"shapes\s*=\s*\[([^\]]*)\]", text)
    return re.findall(r'"([^"]+)"', m.group(1)) if m else []


class Lattice:
    def __init__(self, u):
        self.u, self.n, self.D = u, u.shape[0], u.ndim - 4

    def shift(self, a, pos):            # a(x + pos)
        for mu, s in enumerate(pos):
            if s:
                a = np.roll(a, -s, axis=1 + mu)
        return a

    def loop(self, steps):
        """Product of the links along steps [(mu, +-1), ...] from every x."""
        pos, w = [0] * self.D, None
        for mu, s in steps:
            if s < 0:
                pos[mu] -= 1
            link = self.shift(self.u[..., mu, :, :], pos)
            if s < 0:
                link = np.conj(np.swapaxes(link, -1, -2))
            else:
                pos[mu] += 1
            w = link if w is None else w @ link
        assert not any(pos), "open path"
        return w


def in_plane(path, mu, nu):
    """path in the (0, 1) plane, drawn in the (mu, nu) plane."""
    return [((mu, nu)[d], s) for d, s in path]


def rotate(path):                       # 90 degrees in the (0, 1) plane
    return [(1 - d, s if d == 0 else -s) for d, s in path]


SHAPES = {   # anticlockwise loops in the (0, 1) plane; all 4 rotations are used
    "plaquette": [(0, 1), (1, 1), (0, -1), (1, -1)],
    "rectangle": [(0, 1), (0, 1), (1, 1), (0, -1), (0, -1), (1, -1)],
    "corner": [(0, 1), (0, 1), (1, 1), (0, -1), (1, 1), (0, -1), (1, -1), (1, -1)],
    "1x3": [(0, 1)] * 3 + [(1, 1)] + [(0, -1)] * 3 + [(1, -1)],
    "2x2": [(0, 1)] * 2 + [(1, 1)] * 2 + [(0, -1)] * 2 + [(1, -1)] * 2,
    "1x4": [(0, 1)] * 4 + [(1, 1)] + [(0, -1)] * 4 + [(1, -1)],
    "2x3": [(0, 1)] * 3 + [(1, 1)] * 2 + [(0, -1)] * 3 + [(1, -1)] * 2,
}


def trace_functions(w):
    """Re/Im tr W, Re/Im tr W^2 and their C-even products (the linear
    model's degree-2 features, doc/flow_lattice.md section 9)."""
    a, b = np.trace(w, axis1=-2, axis2=-1), np.trace(w @ w, axis1=-2, axis2=-1)
    f = {"Re tr W": a.real, "Im tr W": a.imag, "Re tr W2": b.real, "Im tr W2": b.imag}
    keys = list(f)
    for i, ki in enumerate(keys):
        for kj in keys[i:]:
            if ki.startswith("Im") == kj.startswith("Im"):
                f[f"({ki})({kj})"] = f[ki] * f[kj]
    return f


def loop_group(lat, path):
    cols = {}
    for mu in range(lat.D):
        for nu in range(mu + 1, lat.D):
            p = path
            for _ in range(4):
                for k, v in trace_functions(lat.loop(in_plane(p, mu, nu))).items():
                    cols[k] = cols.get(k, 0) + v.reshape(lat.n, -1).sum(1)
                p = rotate(p)
    return cols


def pair_groups(lat):
    """Adjacent plaquettes (the model's "plaquette-pair": Re.Re, Im.Im,
    figure-eight), their tr W^2 products (not in the model), and
    plaquettes that share only a corner or sit two apart."""
    adj, adj2, far = {}, {}, {}
    def acc(g, k, v):
        g[k] = g.get(k, 0) + v.reshape(lat.n, -1).sum(1)
    tr = lambda w: np.trace(w, axis1=-2, axis2=-1)
    eight = [(0, 1), (1, 1), (0, 1), (1, -1), (0, -1), (1, 1), (0, -1), (1, -1)]
    for mu in range(lat.D):
        for nu in range(mu + 1, lat.D):
            p = lat.loop(in_plane(SHAPES["plaquette"], mu, nu))
            t1, t2 = tr(p), tr(p @ p)
            for d in (mu, nu):
                e = [0] * lat.D
                e[d] = 1
                q1, q2 = lat.shift(t1, e), lat.shift(t2, e)
                acc(adj, "Re.Re", t1.real * q1.real)
                acc(adj, "Im.Im", t1.imag * q1.imag)
                acc(adj2, "Re.Re2", t1.real * q2.real + t2.real * q1.real)
                acc(adj2, "Im.Im2", t1.imag * q2.imag + t2.imag * q1.imag)
                acc(adj2, "Re2.Re2", t2.real * q2.real)
                acc(adj2, "Im2.Im2", t2.imag * q2.imag)
                e2 = [2 * x for x in e]
                acc(far, "two apart Re.Re", t1.real * lat.shift(t1, e2).real)
                acc(far, "two apart Im.Im", t1.imag * lat.shift(t1, e2).imag)
            for path in (eight, rotate(eight)):
                acc(adj, "Re tr W8", tr(lat.loop(in_plane(path, mu, nu))).real)
            for sgn in (1, -1):
                e = [0] * lat.D
                e[mu], e[nu] = 1, sgn
                q = lat.shift(t1, e)
                acc(far, "diagonal Re.Re", t1.real * q.real)
                acc(far, "diagonal Im.Im", t1.imag * q.imag)
    return {"plaquette-pair": adj, "pair, tr W^2 products": adj2, "far pairs": far}


def plaquette_traces(lat):
    """tr P and tr P^2 of the (0, 1) plaquette at every site: (n, L0, L1)."""
    p = lat.loop(in_plane(SHAPES["plaquette"], 0, 1))
    return np.trace(p, axis1=-2, axis2=-1), np.trace(p @ p, axis1=-2, axis2=-1), p


def more_groups(lat):
    """Operators outside the model class (doc/flow_lattice.md section 16):
    C-even monomials of degree 3 and 4 in Re/Im tr P, Re/Im tr P^2; the
    eigenphases theta of P (sum cos k theta, k <= 6; sum theta^2, theta^4);
    products of the Re tr of three plaquettes (in a row, in an L) and of
    the four of a 2x2 block; the Polyakov loops (Re, Im, |.|^2 of tr and
    Re tr of the square, each direction)."""
    S = lambda v: v.reshape(lat.n, -1).sum(1)
    t1, t2, p = plaquette_traces(lat)
    f, odd = [t1.real, t1.imag, t2.real, t2.imag], [0, 1, 0, 1]
    g = {}
    for deg in (3, 4):
        cols = {}
        for c in itertools.combinations_with_replacement(range(4), deg):
            if sum(odd[i] for i in c) % 2 == 0:
                cols[".".join("RIri"[i] for i in c)] = S(np.prod([f[i] for i in c], 0))
        g["plaquette, degree %d" % deg] = cols
    th = np.angle(np.linalg.eigvals(p))
    cols = {"cos %d theta" % k: S(np.cos(k * th).sum(-1)) for k in range(1, 7)}
    cols.update({"theta^2": S((th ** 2).sum(-1)), "theta^4": S((th ** 4).sum(-1))})
    g["plaquette eigenphases"] = cols
    r = t1.real
    sh = lat.shift
    g["three plaquettes"] = {
        "row": S(r * sh(r, [1, 0]) * sh(r, [2, 0]) + r * sh(r, [0, 1]) * sh(r, [0, 2])),
        "L": S(r * sh(r, [1, 0]) * sh(r, [1, 1]) + r * sh(r, [0, 1]) * sh(r, [1, 1])
               + r * sh(r, [1, 0]) * sh(r, [0, 1]) + sh(r, [1, 0]) * sh(r, [0, 1]) * sh(r, [1, 1]))}
    g["2x2 block of plaquettes"] = {
        "Re.Re.Re.Re": S(r * sh(r, [1, 0]) * sh(r, [0, 1]) * sh(r, [1, 1]))}
    cols = {}
    for mu in range(2):
        w = None
        for j in range(lat.u.shape[1 + mu]):
            e = [0, 0]
            e[mu] = j
            link = sh(lat.u[..., mu, :, :], e)
            w = link if w is None else w @ link
        t = np.trace(w, axis1=-2, axis2=-1)
        for k, v in (("Re", t.real), ("Im", t.imag), ("|.|^2", abs(t) ** 2),
                     ("Re tr P^2", np.trace(w @ w, axis1=-2, axis2=-1).real)):
            cols["direction %d %s" % (mu, k)] = S(v)
    g["Polyakov loops"] = cols
    return g


def validation_r2(y, cols):
    y = y - y.mean()
    x = np.stack(cols, 1)
    x = x - x.mean(0)
    keep = x.std(0) > 1e-9 * (np.abs(x).max() + 1e-300)   # SU(2): Im parts vanish
    x = x[:, keep]
    if x.shape[1] == 0:
        return 0.0
    fit, score = np.arange(len(y)) % 2 == 0, np.arange(len(y)) % 2 == 1
    x = x / x[fit].std(0)
    b = np.linalg.lstsq(x[fit], y[fit], rcond=None)[0]
    return 1 - (y[score] - x[score] @ b).var() / y[score].var()


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    ap.add_argument("run_dir", help="run directory with ensemble.h5 and parameters.conf")
    ap.add_argument("--group", help="also list this group's columns one by one")
    ap.add_argument("--more", action="store_true",
                    help="also score the groups outside the model class (plaquette powers and "
                         "eigenphases, three- and four-plaquette products, Polyakov loops)")
    a = ap.parse_args()
    d = a.run_dir.rstrip("/")
    lw, u = read_run(d)
    lat = Lattice(u)
    groups = {name: loop_group(lat, path) for name, path in SHAPES.items()}
    groups.update(pair_groups(lat))
    if a.more:
        groups.update(more_groups(lat))
    if a.group is not None and a.group not in groups:
        fail("--group %s: no such group (%s)" % (a.group, ", ".join(groups)))
    have = [t for t in model_terms(d) if t in groups]
    y = lw - lw.mean()
    w = np.exp(lw - lw.max())
    print("%s: %d samples, var(log w) %.4f, ESS %.4f"
          % (d, len(y), y.var(), w.sum() ** 2 / (w @ w) / len(y)))
    base = [c for t in have for c in groups[t].values()]
    r_base = validation_r2(y, base) if base else 0.0
    print("  the model's terms (%s; %d columns): R^2 %+.3f"
          % (", ".join(have) or "none", len(base), r_base))
    print("  %-24s %7s %7s %19s" % ("group", "columns", "alone", "added to the model"))
    for name, cols in groups.items():
        if name in have:
            continue
        c = list(cols.values())
        print("  %-24s %7d %+7.3f %+19.3f"
              % (name, len(c), validation_r2(y, c), validation_r2(y, base + c) - r_base))
    if a.group is not None:
        for k, v in groups[a.group].items():
            if v.std() > 0:
                print("    %-24s alone %+.3f  correlation %+.3f"
                      % (k, validation_r2(y, [v]), np.corrcoef(v, y)[0, 1]))


if __name__ == "__main__":
    main()
