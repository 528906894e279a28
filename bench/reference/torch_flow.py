"""PyTorch reference of the single-matrix flow field (issue 4 benchmark).

Reads the reference file written by build/bench/bench_flow.x (configuration,
the C network's parameters, the C times (the default reduced jets and, when
present, the full jets), and a few matrices with the C
field X and divergence div X), evaluates the same potential in PyTorch
(complex128, one thread), checks X and div X against the C values (exit 1
if the relative difference exceeds 1e-10), times field + div and the field
alone per matrix on Haar-random batches, and prints the ratio PyTorch / C.

Potential: F(f, e(t)) an MLP [f, e] -> tanh(64) -> tanh(64) -> 1 with
f = (Re tr U^k, Im tr U^k), k = 1..3 and e(t) = (t, sin pi t, cos pi t).
X_a = d/ds_a F(exp(sum_b s_b T_b) U) at s = 0, T_a = i lambda_a / 2
(Gell-Mann), and div X = sum_a d^2/ds_a^2 of the same at s = 0, by autograd
(torch.matrix_exp; the exp of one generator is the one-parameter subgroup,
so the diagonal second derivatives are the exact D_a D_a F).

Usage: python3 bench/reference/torch_flow.py [ref_file] [quick]
"""
import math
import sys
import time

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


def gell_mann():
    z = torch.zeros(8, 3, 3, dtype=torch.complex128)
    z[0, 0, 1] = z[0, 1, 0] = 1
    z[1, 0, 1], z[1, 1, 0] = -1j, 1j
    z[2, 0, 0], z[2, 1, 1] = 1, -1
    z[3, 0, 2] = z[3, 2, 0] = 1
    z[4, 0, 2], z[4, 2, 0] = -1j, 1j
    z[5, 1, 2] = z[5, 2, 1] = 1
    z[6, 1, 2], z[6, 2, 1] = -1j, 1j
    z[7, 0, 0] = z[7, 1, 1] = 1 / math.sqrt(3)
    z[7, 2, 2] = -2 / math.sqrt(3)
    return 0.5j * z


def read_ref(path):
    with open(path) as fp:
        head = fp.readline().split()
        cfg = {head[i]: head[i + 1] for i in range(0, len(head), 2)}
        ct = fp.readline().split()
        ctime = {int(ct[2]): (float(ct[3]), float(ct[4])),
                 int(ct[6]): (float(ct[7]), float(ct[8]))}
        # optional: the C full-jet times (bench_flow prints both paths)
        cfull = {}
        if len(ct) >= 14 and ct[9] == "full":
            cfull = {int(ct[2]): (float(ct[10]), float(ct[11])),
                     int(ct[6]): (float(ct[12]), float(ct[13]))}
        npar = int(cfg["n_params"])
        theta = [float(fp.readline()) for _ in range(npar)]
        rows = [list(map(float, fp.readline().split()))
                for _ in range(int(cfg["nv"]))]
    return cfg, ctime, cfull, torch.tensor(theta), torch.tensor(rows)


def unpack(theta, n_in, width, depth):
    ws, k = [], 0
    dims = [n_in] + [width] * depth + [1]
    for l in range(depth + 1):
        a, b = dims[l], dims[l + 1]
        w = theta[k:k + a * b].reshape(a, b)
        k += a * b
        bb = theta[k:k + b]
        k += b
        ws.append((w, bb))
    assert k == theta.numel()
    return ws


class Potential:
    def __init__(self, layers, t, n_freq, K):
        e = [t]
        for k in range(1, n_freq + 1):
            e += [math.sin(math.pi * k * t), math.cos(math.pi * k * t)]
        self.e = torch.tensor(e)
        self.layers = layers
        self.K = K
        self.T = gell_mann()

    def F(self, v):
        """F per matrix of a batch v (B, 3, 3)."""
        p, re, im = v, [], []
        for k in range(self.K):
            if k > 0:
                p = p @ v
            tr = torch.diagonal(p, dim1=-2, dim2=-1).sum(-1)
            re.append(tr.real)
            im.append(tr.imag)
        f = torch.stack(re + im, dim=-1)
        z = torch.cat([f, self.e.expand(f.shape[0], -1)], dim=-1)
        for w, b in self.layers[:-1]:
            z = torch.tanh(z @ w + b)
        w, b = self.layers[-1]
        return (z @ w + b)[:, 0]

    def field(self, u, with_div):
        s = torch.zeros(u.shape[0], 8, requires_grad=True)
        a = torch.einsum("ba,aij->bij", s.to(torch.complex128), self.T)
        Fv = self.F(torch.matrix_exp(a) @ u)
        (x,) = torch.autograd.grad(Fv.sum(), s, create_graph=with_div)
        if not with_div:
            return x, None
        div = torch.zeros(u.shape[0])
        for i in range(8):
            (g,) = torch.autograd.grad(x[:, i].sum(), s, retain_graph=i < 7)
            div = div + g[:, i]
        return x.detach(), div


def haar(nb, gen):
    z = torch.complex(torch.randn(nb, 3, 3, generator=gen),
                      torch.randn(nb, 3, 3, generator=gen))
    q, r = torch.linalg.qr(z)
    d = torch.diagonal(r, dim1=-2, dim2=-1)
    q = q * (d / d.abs()).unsqueeze(-2)
    det = torch.linalg.det(q)
    return q / det.pow(1.0 / 3.0).view(-1, 1, 1)


def best_time(fn, reps):
    best = float("inf")
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "build/bench-logs/flow_ref.txt"
    quick = len(sys.argv) > 2 and sys.argv[2] == "quick"
    cfg, ctime, cfull, theta, rows = read_ref(path)
    K, n_freq = int(cfg["K"]), int(cfg["n_freq"])
    width, depth, t = int(cfg["width"]), int(cfg["depth"]), float(cfg["t"])
    pot = Potential(unpack(theta, 2 * K + 1 + 2 * n_freq, width, depth), t, n_freq, K)

    u = torch.complex(rows[:, 0:18:2], rows[:, 1:18:2]).reshape(-1, 3, 3)
    xc, lc = rows[:, 18:26], rows[:, 26]
    x, div = pot.field(u, True)
    dx = ((x - xc).abs().max() / xc.abs().max()).item()
    dl = ((div - lc).abs().max() / lc.abs().max()).item()
    print("torch vs C on %d matrices: max |dX|/max|X| = %.2e, max |d div|/max|div| = %.2e"
          % (u.shape[0], dx, dl))
    ok = dx <= 1e-10 and dl <= 1e-10

    gen = torch.Generator().manual_seed(5)
    for nb in ([1024] if quick else [1024, 4096]):
        ub = haar(nb, gen)
        reps = 2 if quick else 5
        td = best_time(lambda: pot.field(ub, True), reps) / nb
        tf = best_time(lambda: pot.field(ub, False), reps) / nb
        cd, cf = ctime[nb]
        print("  B = %5d: torch field + div %8.2f us/matrix (C %.3f, torch/C %.0f)"
              "   field only %7.2f us/matrix (C %.3f, torch/C %.1f)"
              % (nb, 1e6 * td, 1e6 * cd, td / cd, 1e6 * tf, 1e6 * cf, tf / cf))
        if nb in cfull:
            fd, ff = cfull[nb]
            print("           C full jets: field + div %.3f us/matrix (torch/C %.0f)"
                  "   field only %.3f us/matrix (torch/C %.1f)"
                  % (1e6 * fd, td / fd, 1e6 * ff, tf / ff))
    if not ok:
        print("torch_flow: C and PyTorch disagree beyond 1e-10 relative")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
