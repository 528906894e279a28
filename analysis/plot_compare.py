#!/usr/bin/python3
"""Flow versus HMC: acceptance, ESS, tau_int and cost per independent sample.

    /usr/bin/python3 analysis/plot_compare.py runs/su2/summary.json
    /usr/bin/python3 analysis/plot_compare.py -o cmp.png runs/*/summary.json

Reads one or more summary.json files written by emflow-lqft (doc/summary.md)
and writes a PNG with four bar panels (one group of bars per run, flow and
HMC side by side) and prints the same numbers as a table.  Keys read, for
ALG = flow and hmc:

  compare.ALG.acceptance, compare.ALG.tau_int,
  compare.ALG.cost_per_independent_sample (seconds), compare.ALG.ess
  (optional); when a key is missing: flow falls back to sample.acceptance
  and sample.ess, hmc to hmc.acceptance and hmc.tau_int.

ESS is the reweighting effective sample size fraction (sum w)^2/(n sum w^2)
of the flow; it is not defined for HMC unless the summary gives one.  A
missing number is shown as n/a.  Error bars are drawn where the summary
has a matching "dtau_int" or "dcost" key.

Needs Debian's /usr/bin/python3 with python3-matplotlib.
Exit status: 0 on success, 1 on bad input, 2 if a module is missing.
"""
import argparse
import json
import math
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as exc:
    print("plot_compare.py: cannot import %s; run this script with "
          "/usr/bin/python3 (Debian's python3-matplotlib)" % (exc.name or exc),
          file=sys.stderr)
    sys.exit(2)

PROG = "plot_compare.py"
ALGS = ("flow", "hmc")
# (key in compare.ALG, panel title, key of its error or None, log scale)
PANELS = (("acceptance", "acceptance", None, False),
          ("ess", "ESS (reweighting, fraction)", None, False),
          ("tau_int", "tau_int (steps)", "dtau_int", True),
          ("cost_per_independent_sample", "cost per independent sample (s)",
           "dcost", True))
FALLBACK = {"flow": {"acceptance": ("sample", "acceptance"), "ess": ("sample", "ess")},
            "hmc": {"acceptance": ("hmc", "acceptance"), "tau_int": ("hmc", "tau_int")}}


def fail(msg):
    print("%s: error: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(1)


def number(v):
    """A finite float, or None (JSON null, missing, not a number)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def extract(summary):
    """{alg: {key: value or None}} from one summary object."""
    comp = summary.get("compare", {}) if isinstance(summary.get("compare"), dict) else {}
    out = {}
    for alg in ALGS:
        d = comp.get(alg, {}) if isinstance(comp.get(alg), dict) else {}
        vals = {}
        for key, _, ekey, _ in PANELS:
            v = number(d.get(key))
            if v is None and key in FALLBACK[alg]:
                grp, k = FALLBACK[alg][key]
                g = summary.get(grp)
                v = number(g.get(k)) if isinstance(g, dict) else None
            vals[key] = v
            vals["err_" + key] = number(d.get(ekey)) if ekey else None
        out[alg] = vals
    return out


def label_of(path, summary):
    run = summary.get("run", {}) if isinstance(summary.get("run"), dict) else {}
    name = run.get("output_dir") or os.path.dirname(path) or path
    return os.path.basename(os.path.normpath(str(name))) or str(name)


def main():
    ap = argparse.ArgumentParser(
        prog=PROG, description="Bar/table comparison of flow and HMC from "
        "emflow-lqft summary.json files.")
    ap.add_argument("files", nargs="+", metavar="SUMMARY.json")
    ap.add_argument("-o", "--output", metavar="PNG", default="compare.png",
                    help="output file (default compare.png)")
    a = ap.parse_args()

    runs = []
    for path in a.files:
        try:
            with open(path) as fp:
                s = json.load(fp)
        except OSError as exc:
            fail("cannot read '%s': %s" % (path, exc.strerror or exc))
        except ValueError as exc:
            fail("'%s' is not valid JSON (%s)" % (path, exc))
        if not isinstance(s, dict):
            fail("'%s' is not a summary.json object" % path)
        vals = extract(s)
        if all(v is None for alg in ALGS for k, v in vals[alg].items()
               if not k.startswith("err_")):
            fail("'%s' has none of the compare/sample/hmc keys (did the run "
                 "include the compare task?)" % path)
        runs.append((label_of(path, s), vals))

    cols = ["run", "alg"] + [k for k, _, _, _ in PANELS]
    print("  ".join("%-12s" % c if i < 2 else "%14s" % c[:14]
                    for i, c in enumerate(cols)))
    for label, vals in runs:
        for alg in ALGS:
            cells = ["%-12s" % label[:12], "%-12s" % alg]
            for key, _, _, _ in PANELS:
                v = vals[alg][key]
                cells.append("%14s" % ("n/a" if v is None else "%.5g" % v))
            print("  ".join(cells))

    fig, axes = plt.subplots(1, len(PANELS), figsize=(4 * len(PANELS), 3.8))
    width = 0.38
    colors = {"flow": "tab:blue", "hmc": "tab:orange"}
    for ax, (key, title, _, logy) in zip(axes, PANELS):
        has_pos = False
        for j, alg in enumerate(ALGS):
            xs, ys, es = [], [], []
            for i, (_, vals) in enumerate(runs):
                v = vals[alg][key]
                x = i + (j - 0.5) * width
                if v is None:
                    ax.text(x, 0.02, "n/a", ha="center", va="bottom", fontsize=7,
                            rotation=90, transform=ax.get_xaxis_transform())
                    continue
                xs.append(x)
                ys.append(v)
                e = vals[alg]["err_" + key]
                es.append(e if e is not None else 0.0)
                has_pos |= v > 0
            if xs:
                ax.bar(xs, ys, width, yerr=es if any(es) else None, capsize=3,
                       color=colors[alg], label=alg)
        if logy and has_pos:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(len(runs)))
        ax.set_xticklabels([r[0] for r in runs], rotation=30, ha="right", fontsize=8)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(a.output, dpi=100)
    except OSError as exc:
        fail("cannot write '%s': %s" % (a.output, exc))
    print(a.output)


if __name__ == "__main__":
    main()
