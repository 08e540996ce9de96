#!/usr/bin/python3
"""accuracy_table: the side-by-side table of scripts/accuracy_compare.sh.

Reads OUTDIR/{hsweep,peer}_<cell><units>_s<seed>.json and prints a Markdown table: per
model and engine the val and test MAE of every seed, their means, and the relative
difference of the means (hsweep - peer) / peer.

usage: /usr/bin/python3 scripts/accuracy_table.py OUTDIR
"""
import glob
import json
import os
import re
import sys
from statistics import mean


def main():
    out = sys.argv[1]
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        m = re.match(r"(hsweep|peer)_([a-z]+)(\d+)_s(\d+)\.json$", os.path.basename(path))
        if not m:
            continue
        r = json.load(open(path))
        key = (m.group(2), int(m.group(3)))
        runs.setdefault(key, {}).setdefault(m.group(1), []).append((int(m.group(4)), r))
    print("| model | engine | seeds | val MAE per seed | test MAE per seed | mean val | mean test "
          "| best epochs | s/run |")
    print("|---|---|---|---|---|---|---|---|---|")
    summary = []
    for (cell, units), by_eng in sorted(runs.items()):
        means = {}
        for eng in ("hsweep", "peer"):
            rs = sorted(by_eng.get(eng, []), key=lambda t: t[0])
            ok = [(s, r) for s, r in rs if r.get("status") == "ok" and r.get("test_mae")]
            if not ok:
                continue
            v = [r["val_mae"] for _, r in ok]
            t = [r["test_mae"] for _, r in ok]
            means[eng] = (mean(v), mean(t))
            print(f"| {cell.upper()}({units}) | {eng} | {','.join(str(s) for s, _ in ok)} | "
                  f"{' / '.join(f'{x:.4f}' for x in v)} | {' / '.join(f'{x:.4f}' for x in t)} | "
                  f"{mean(v):.4f} | {mean(t):.4f} | "
                  f"{','.join(str(r['best_epoch']) for _, r in ok)} | "
                  f"{mean(r['wall_s'] for _, r in ok):.0f} |")
        if "hsweep" in means and "peer" in means:
            h, p = means["hsweep"], means["peer"]
            summary.append(f"{cell.upper()}({units}): val {100 * (h[0] - p[0]) / p[0]:+.2f}%, "
                           f"test {100 * (h[1] - p[1]) / p[1]:+.2f}% (hsweep vs peer, means)")
    print()
    for s in summary:
        print("- " + s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
