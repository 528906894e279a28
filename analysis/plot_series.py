#!/usr/bin/python3
"""History and autocorrelation plot of observable series in an ensemble file.

    /usr/bin/python3 analysis/plot_series.py runs/su2/ensemble.h5
    /usr/bin/python3 analysis/plot_series.py --obs hmc/plaquette --skip 100 \\
        --tmax 50 -o plaq.png runs/su2/ensemble.h5

Reads the series /observables/<name> of an ensemble file (doc/formats.md),
all of them or those given with --obs, and writes one PNG with a row per
series: left, the history (after --skip samples, with the mean); right, the
normalised autocorrelation function rho(t) with the summation window W of
Wolff's automatic windowing (S = --S) and the resulting tau_int.  The
autocorrelation is computed here with numpy's FFT for display only; the
numbers of record (errors, tau_int with its error) come from
bin/emflow-analyze, which uses the same definitions (doc/stats.md).

Needs Debian's /usr/bin/python3 with python3-h5py and python3-matplotlib.
Exit status: 0 on success, 1 on bad input, 2 if a module is missing.
"""
import argparse
import os
import sys

try:
    import numpy as np
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as exc:
    print("plot_series.py: cannot import %s; run this script with "
          "/usr/bin/python3 (Debian's python3-h5py, python3-matplotlib)"
          % (exc.name or exc), file=sys.stderr)
    sys.exit(2)

PROG = "plot_series.py"


def fail(msg):
    print("%s: error: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(1)


def list_series(f):
    """Names of the 1-D datasets below /observables, sorted."""
    names = []
    if "observables" not in f:
        return names

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.ndim == 1:
            names.append(name)
    f["observables"].visititems(visit)
    return sorted(names)


def autocorr(x, tmax):
    """rho(t) = Gamma(t)/Gamma(0), Gamma(t) = 1/(n-t) sum d_i d_{i+t}."""
    n = len(x)
    d = x - x.mean()
    size = 1
    while size < n + tmax + 1:
        size *= 2
    fx = np.fft.rfft(d, size)
    g = np.fft.irfft(fx * np.conj(fx), size)[:tmax + 1] / (n - np.arange(tmax + 1))
    return g / g[0] if g[0] > 0 else np.full(tmax + 1, np.nan)


def window(rho, n, S):
    """Wolff's automatic window W and tau_int (no bias correction)."""
    if S == 0:
        return 0, 0.5
    G = 0.0
    for t in range(1, len(rho)):
        G += rho[t]
        tau_w = S / np.log1p(1.0 / G) if G > 0 else np.finfo(float).eps
        if np.exp(-t / tau_w) - tau_w / np.sqrt(t * n) < 0:
            return t, 0.5 + G
    return len(rho) - 1, 0.5 + G


def main():
    ap = argparse.ArgumentParser(
        prog=PROG, description="History and autocorrelation plot of the "
        "observable series in an emflow-lqft ensemble file.")
    ap.add_argument("file", help="ensemble file (HDF5)")
    ap.add_argument("--obs", action="append", metavar="NAME",
                    help="series to plot (repeatable; default: all)")
    ap.add_argument("--skip", type=int, default=0, metavar="N",
                    help="discard the first N samples (default 0)")
    ap.add_argument("--S", type=float, default=1.5,
                    help="Wolff's windowing parameter (default 1.5)")
    ap.add_argument("--tmax", type=int, default=0, metavar="T",
                    help="largest lag shown (default: max(20, 3 W))")
    ap.add_argument("-o", "--output", metavar="PNG",
                    help="output file (default: FILE without .h5 + _series.png)")
    a = ap.parse_args()
    if a.skip < 0 or a.S < 0 or a.tmax < 0:
        fail("--skip, --S and --tmax must be >= 0")
    if not os.path.isfile(a.file):
        fail("cannot read file '%s': no such file" % a.file)
    try:
        f = h5py.File(a.file, "r")
    except OSError as exc:
        fail("file '%s' is not a readable HDF5 file (%s)" % (a.file, exc))
    with f:
        names = list_series(f)
        if not names:
            fail("file '%s' has no series under /observables" % a.file)
        wanted = a.obs or names
        for name in wanted:
            if name not in names:
                fail("file '%s' has no series '%s' (series: %s)"
                     % (a.file, name, ", ".join(names)))
        data = {name: np.asarray(f["observables"][name][:], dtype=float)
                for name in wanted}

    out = a.output or os.path.splitext(a.file)[0] + "_series.png"
    fig, axes = plt.subplots(len(wanted), 2, figsize=(11, 2.8 * len(wanted)),
                             squeeze=False)
    for row, name in zip(axes, wanted):
        x = data[name][a.skip:]
        n = len(x)
        ax_h, ax_a = row
        ax_h.set_title("%s: history" % name, fontsize=10)
        ax_a.set_title("%s: autocorrelation" % name, fontsize=10)
        if n < 2 or not np.all(np.isfinite(x)):
            for ax in row:
                ax.text(0.5, 0.5, "n = %d%s" % (n, "" if n < 2 else ", non-finite"),
                        ha="center", va="center", transform=ax.transAxes)
            continue
        t0 = np.arange(a.skip, a.skip + n)
        ax_h.plot(t0, x, lw=0.6)
        ax_h.axhline(x.mean(), color="k", lw=0.8, ls="--",
                     label="mean %.6g" % x.mean())
        ax_h.set_xlabel("sample")
        ax_h.legend(fontsize=8, loc="best")
        if np.var(x) == 0:
            ax_a.text(0.5, 0.5, "constant series", ha="center", va="center",
                      transform=ax_a.transAxes)
            continue
        rho = autocorr(x, n // 2)
        W, tau = window(rho, n, a.S)
        tmax = a.tmax or min(n // 2, max(20, 3 * W))
        tmax = min(tmax, n // 2)
        ax_a.plot(np.arange(tmax + 1), rho[:tmax + 1], ".-", ms=3, lw=0.8)
        ax_a.axhline(0, color="k", lw=0.5)
        ax_a.axvline(W, color="r", lw=0.8, ls="--",
                     label="W = %d, tau_int ~ %.3g" % (W, tau))
        ax_a.set_xlabel("t")
        ax_a.set_ylabel("rho(t)")
        ax_a.legend(fontsize=8, loc="best")
    fig.tight_layout()
    try:
        fig.savefig(out, dpi=100)
    except OSError as exc:
        fail("cannot write '%s': %s" % (out, exc))
    print(out)


if __name__ == "__main__":
    main()
