#!/usr/bin/python3
"""Reference data for tests/unit/nn/test_ref.c (PyTorch, double precision).

For fixed parameters and inputs of two small networks it writes
  out   = (F, g = dF/dx, L = sum_jk H_jk G_jk + g.h) per sample (autograd
          gradient and autograd Hessian, contracted),
  the gradients of J = sum_b dout_b . out_b with respect to theta, x, G, h,
  and Adam: the objective J before each of 4 steps and theta after them
  (torch.optim.Adam, global-norm clipping done by hand as in adam.c:
  g *= clip / |g| when |g| > clip).
The parameter layout is that of include/nn.h: w_0 (n_in, n_out), b_0, ...,
w_d (w, 1), b_d (1); y = x w + b; input [x, t, sin(pi k t), cos(pi k t)].

File format (text, one record per line): a header line
  "emflow-nn-ref <version>", a line "cases <n>", and per case a line
  "case n_x n_freq width depth act n_batch n_params t_hex adam_lr beta1 beta2
   eps clip steps", then records "<name> <count> <values in hex>" named
theta x G h dout out dtheta dx dG dh adam_J adam_theta, then "end".

Run: /usr/bin/python3 tests/unit/nn/ref/make_ref.py > tests/unit/nn/ref/nn_ref.txt
"""
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
VERSION = 1


def act_fn(name):
    if name == "tanh":
        return torch.tanh
    if name == "silu":
        return lambda z: z * torch.sigmoid(z)
    if name == "softplus":
        return lambda z: torch.relu(z) + torch.log1p(torch.exp(-torch.abs(z)))
    if name == "sin":
        return torch.sin
    raise ValueError(name)


def layer_shapes(n_x, n_freq, width, depth):
    n_in = n_x + 1 + 2 * n_freq
    shapes = []
    for l in range(depth + 1):
        n_out = 1 if l == depth else width
        shapes.append((n_in, n_out))
        n_in = width
    return shapes


def network(theta, x, t, cfg):
    n_x, n_freq, width, depth, act = cfg
    s = act_fn(act)
    e = [torch.tensor(t)]
    for k in range(1, n_freq + 1):
        e += [torch.sin(math.pi * k * torch.tensor(t)), torch.cos(math.pi * k * torch.tensor(t))]
    e = torch.stack(e)
    y = torch.cat([x, e.expand(x.shape[0], e.shape[0])], dim=1)
    off = 0
    for l, (ni, no) in enumerate(layer_shapes(n_x, n_freq, width, depth)):
        w = theta[off:off + ni * no].reshape(ni, no)
        off += ni * no
        b = theta[off:off + no]
        off += no
        y = y @ w + b
        if l < depth:
            y = s(y)
    assert off == theta.numel()
    return y[:, 0]


def outputs(theta, x, G, h, t, cfg):
    m = cfg[0]
    F = network(theta, x, t, cfg)
    g = torch.autograd.grad(F.sum(), x, create_graph=True)[0]
    H = torch.stack([torch.autograd.grad(g[:, j].sum(), x, create_graph=True)[0]
                     for j in range(m)], dim=1)
    L = (H * G).sum(dim=(1, 2)) + (g * h).sum(dim=1)
    return torch.cat([F[:, None], g, L[:, None]], dim=1)


def hexs(v):
    return " ".join(float(a).hex() for a in v.detach().reshape(-1).tolist())


def record(name, v):
    v = v.detach().reshape(-1)
    print(f"{name} {v.numel()} {hexs(v)}")


def case(cfg, n_batch, seed):
    n_x, n_freq, width, depth, act = cfg
    gen = torch.Generator().manual_seed(seed)
    shapes = layer_shapes(*cfg[:4])
    parts = []
    for ni, no in shapes:
        parts.append(torch.randn(ni * no, generator=gen) / math.sqrt(ni))
        parts.append(0.3 * torch.randn(no, generator=gen))
    theta0 = torch.cat(parts)
    x = torch.randn(n_batch, n_x, generator=gen)
    A = torch.randn(n_batch, n_x, n_x, generator=gen)
    G = 0.5 * (A + A.transpose(1, 2))
    h = torch.randn(n_batch, n_x, generator=gen)
    dout = torch.randn(n_batch, n_x + 2, generator=gen)
    t = 0.37

    theta = theta0.clone().requires_grad_(True)
    xr, Gr, hr = (v.clone().requires_grad_(True) for v in (x, G, h))
    out = outputs(theta, xr, Gr, hr, t, cfg)
    J = (dout * out).sum()
    dtheta, dx, dG, dh = torch.autograd.grad(J, [theta, xr, Gr, hr])

    # Adam with hand-made global-norm clipping
    lr, b1, b2, eps, steps = 1e-2, 0.9, 0.999, 1e-8, 4
    clip = 0.5 * float(dtheta.norm())
    p = theta0.clone().requires_grad_(True)
    opt = torch.optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    Js = []
    for _ in range(steps):
        opt.zero_grad()
        xa = x.clone().requires_grad_(True)
        Ja = (dout * outputs(p, xa, G, h, t, cfg)).sum()
        Js.append(float(Ja))
        (gp,) = torch.autograd.grad(Ja, [p])
        nrm = float(gp.norm())
        if nrm > clip:
            gp = gp * (clip / nrm)
        p.grad = gp
        opt.step()

    print(f"case {n_x} {n_freq} {width} {depth} {act} {n_batch} {theta0.numel()} "
          f"{float(t).hex()} {lr.hex()} {b1.hex()} {b2.hex()} {eps.hex()} "
          f"{clip.hex()} {steps}")
    record("theta", theta0)
    record("x", x)
    record("G", G)
    record("h", h)
    record("dout", dout)
    record("out", out)
    record("dtheta", dtheta)
    record("dx", dx)
    record("dG", dG)
    record("dh", dh)
    record("adam_J", torch.tensor(Js))
    record("adam_theta", p)
    print("end")


def main():
    cases = [((6, 1, 8, 2, "tanh"), 4, 11), ((4, 2, 6, 3, "silu"), 3, 12),
             ((2, 0, 5, 1, "softplus"), 2, 13)]
    print(f"emflow-nn-ref {VERSION}")
    print(f"cases {len(cases)}")
    for cfg, nb, seed in cases:
        case(cfg, nb, seed)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
