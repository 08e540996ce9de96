#!/usr/bin/env python3
"""gen_journal.py: a synthetic journal.jsonl of N trials, for measuring `hsweep report` at scale.

usage: gen_journal.py TEMPLATE_JOURNAL N OUT_DIR [--epochs E] [--ranks P] [--old]

Takes the first record of a real journal as the template and writes N records to
OUT_DIR/journal.jsonl: random-search style (learning_rate log-uniform, dropout uniform, units
int, cell choice), distinct ids, plausible metrics, E-epoch histories, ranks 0..P-1 and
back-to-back start/end times per rank (--old: records without the provenance fields, as an
hsweep before 0.2 wrote them). Copies OUT_DIR/metadata.json from the template's
directory when there is one (n_trials set to N). Deterministic (seed 1)."""
import json, math, os, random, sys


def main():
    args = sys.argv[1:]
    epochs, ranks = 20, 16
    old = "--old" in args
    if old:
        args.remove("--old")
    if "--epochs" in args:
        k = args.index("--epochs"); epochs = int(args[k + 1]); del args[k:k + 2]
    if "--ranks" in args:
        k = args.index("--ranks"); ranks = int(args[k + 1]); del args[k:k + 2]
    tmpl_path, n, out = args[0], int(args[1]), args[2]
    tmpl = json.loads(open(tmpl_path).readline())
    rng = random.Random(1)
    os.makedirs(out, exist_ok=True)
    clock = [1.7e9] * ranks
    with open(os.path.join(out, "journal.jsonl"), "w") as f:
        for i in range(n):
            r = json.loads(json.dumps(tmpl))
            r["id"] = "%016x" % rng.getrandbits(64)
            hp = r["hparams"]
            hp["learning_rate"] = float("%.8g" % math.exp(rng.uniform(math.log(3e-4), math.log(1e-2))))
            hp["dropout"] = float("%.8g" % rng.uniform(0, 0.5))
            hp["units"] = rng.randint(8, 64)
            hp["cell"] = rng.choice(["gru", "lstm"])
            hp["seed"] = rng.getrandbits(63)
            base = 2.5 + 3 * abs(math.log10(hp["learning_rate"]) + 2.5) * 0.3 + hp["dropout"] * 0.8
            v = base + rng.gauss(0, 0.05)
            r["val_mae"], r["test_mae"], r["val_loss"] = v, v * 1.05, v * v * 1.6
            r["best_epoch"], r["epochs_run"] = epochs, epochs
            wall = 5 + hp["units"] * 0.2 + rng.random()
            rank = i % ranks
            r["rank"], r["wall_s"] = rank, wall
            for k in ("host", "slurm_job_id", "slurm_array_task_id", "start_unix", "end_unix", "wall_total_s"):
                r.pop(k, None)
            if not old:
                r["host"] = "node%02d" % (rank // 4)
                r["start_unix"], r["end_unix"] = clock[rank], clock[rank] + wall
                r["wall_total_s"] = wall
            clock[rank] += wall + 0.01
            loss = [v * v * 1.6 * (1 + 2.0 / (e + 1)) for e in range(epochs)]
            r["history"] = {"loss": loss, "mae": [math.sqrt(x) for x in loss],
                            "val_loss": [x * 1.1 for x in loss], "val_mae": [math.sqrt(x * 1.1) for x in loss]}
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    meta = os.path.join(os.path.dirname(os.path.abspath(tmpl_path)), "metadata.json")
    if os.path.exists(meta):
        m = json.load(open(meta))
        m["sweep"]["n_trials"] = n
        json.dump(m, open(os.path.join(out, "metadata.json"), "w"))


if __name__ == "__main__":
    main()
