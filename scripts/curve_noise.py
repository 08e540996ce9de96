#!/usr/bin/python3
"""curve_noise: how much a validation curve moves from one epoch to the next.

For each learning curve in the files given, the median over epochs FIRST+1..LAST of
|val_mae(e) - val_mae(e-1)| (degC), then a line per file with the median and range over its
curves, and a last line over every curve of every file. Reads `hsweep train --json` / scripts/peer_train.py --json output (one object with a
"history" list of per-epoch objects) and journal/records JSON lines (each record's
"history" object of per-epoch lists). Used in docs/search.md to show that the epoch-to-epoch
noise of the embedded data is the same for hsweep and the PyTorch peer.

usage: /usr/bin/python3 scripts/curve_noise.py [--first N] [--last N] FILE...
       (defaults: --first 6 --last 27, the epochs docs/search.md quotes)
"""
import argparse
import json
import statistics


def curves(path):
    """Every val_mae curve in path (a JSON object, or JSON lines)."""
    with open(path) as f:
        text = f.read()
    try:
        objs = [json.loads(text)]
    except json.JSONDecodeError:
        objs = [json.loads(line) for line in text.splitlines() if line.strip()]
    out = []
    for o in objs:
        h = o.get("history")
        if isinstance(h, list):
            out.append([e["val_mae"] for e in h])
        elif isinstance(h, dict) and isinstance(h.get("val_mae"), list):
            out.append(h["val_mae"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--first", type=int, default=6)
    ap.add_argument("--last", type=int, default=27)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    pooled = []
    for path in a.files:
        meds = []
        for v in curves(path):
            d = [abs(v[i] - v[i - 1]) for i in range(a.first, min(len(v), a.last))]
            if d:
                meds.append(statistics.median(d))
        if not meds:
            print(f"{path}: no val_mae curve with epochs {a.first + 1}-{a.last}")
            continue
        report(path, meds)
        pooled += meds
    if len(a.files) > 1 and pooled:
        report("all files", pooled)


def report(name, meds):
    print(f"{name}: {len(meds)} curves, median |dval_mae| per epoch "
          f"{statistics.median(meds):.3f} (range {min(meds):.3f}-{max(meds):.3f})")


if __name__ == "__main__":
    main()
