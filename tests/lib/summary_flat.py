"""summary_flat.py: a helper of the regression scripts' Python checks.

flat(d) turns a nested summary.json object into {"a.b.c": value}, so two
summaries can be compared key by key.  Import with
sys.path.insert(0, "tests/lib") from the repository root.
"""


def flat(d, pre=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, pre + k + "."))
        else:
            out[pre + k] = v
    return out
