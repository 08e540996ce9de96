#!/usr/bin/python3
"""peer_train: the PyTorch peer of `hsweep train`, for the accuracy comparison.

Reads the HDF5 file written by `hsweep prep` (/features float32 (N,F) normalised,
/target float32 (N) raw, root attributes n_train and n_val) with h5py, builds the same
Keras windows as hsweep (window p of a split starting at row s covers rows s+p+k*r, k < L;
target = target[s+p+delay], delay = r*(L+horizon-1); count = end - start - (L-1)*r; the
test split ends at N - delay), and trains the same model: LSTM or GRU (PyTorch's GRU is
reset-after like Keras) with Keras initialisers (glorot_uniform over the whole input
kernel, orthogonal recurrent kernel, zero biases with forget bias 1 for LSTM), head
Linear(H, 1) with glorot_uniform, RMSprop (lr 1e-3, alpha 0.9, eps 1e-7 outside the sqrt,
as TF2 Keras), MSE loss, a full shuffle of the training windows each epoch, batches of 256.
Keeps the weights of the epoch with the lowest val_loss and reports val/test MAE at them.

It does not do dropout, stacking or bidirectional layers (the comparison uses the book's
plain single-layer models). Runs on one thread by default, like one hsweep rank.

usage: /usr/bin/python3 scripts/peer_train.py DATA.h5 [--cell lstm|gru] [--units N]
       [--epochs N] [--batch-size N] [--lr X] [--seed N] [--sequence-length L]
       [--sampling-rate R] [--horizon H] [--threads N] [--json] [--quiet]
"""
import argparse
import copy
import json
import math
import sys
import time

import h5py
import numpy as np
import torch
from torch import nn


def load(path):
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") not in ("hsweep-dataset", b"hsweep-dataset"):
            sys.exit(f"peer_train: {path}: not an hsweep dataset (format attribute)")
        x = np.asarray(f["features"][...], dtype=np.float32)
        y = np.asarray(f["target"][...], dtype=np.float32)
        n_train = int(f.attrs["n_train"])
        n_val = int(f.attrs["n_val"])
    return x, y, n_train, n_val


def splits(n_rows, n_train, n_val, L, r, delay):
    """(start, count) of train, val, test exactly as io/window.c (Keras >= 2.13 counts)."""
    len_data = n_rows - delay
    span = (L - 1) * r
    out = []
    for start, end in ((0, n_train), (n_train, n_train + n_val), (n_train + n_val, len_data)):
        end = min(end, len_data)
        if end - start <= span:
            sys.exit(f"peer_train: split [{start}, {end}) has no complete window")
        out.append((start, end - start - span))
    return out


class Model(nn.Module):
    def __init__(self, cell, n_in, units):
        super().__init__()
        rnn_cls = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn_cls(n_in, units, batch_first=True)
        self.head = nn.Linear(units, 1)
        gates = 4 if cell == "lstm" else 3
        with torch.no_grad():
            # Keras kernel (I, gates*H): glorot_uniform over the whole fused kernel
            lim = math.sqrt(6.0 / (n_in + gates * units))
            self.rnn.weight_ih_l0.uniform_(-lim, lim)
            # Keras recurrent kernel (H, gates*H) orthogonal; PyTorch stores its transpose
            nn.init.orthogonal_(self.rnn.weight_hh_l0)
            self.rnn.bias_ih_l0.zero_()
            self.rnn.bias_hh_l0.zero_()
            if cell == "lstm":
                # PyTorch gate order i, f, g, o = Keras i, f, c, o: unit forget bias
                self.rnn.bias_ih_l0[units:2 * units] = 1.0
            lim = math.sqrt(6.0 / (units + 1))
            self.head.weight.uniform_(-lim, lim)
            self.head.bias.zero_()

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1, :]).squeeze(1)


def save_keras_layout(model, cell, H, path):
    """Flat float32 in hsweep's (Keras) layout: W (I, g*H), U (H, g*H), bias, head w, head b.
    LSTM: PyTorch gates [i, f, g, o] = Keras [i, f, c, o], bias = b_ih + b_hh.
    GRU: PyTorch gates [r, z, n] -> Keras [z, r, h]; bias (2, 3H) = [b_in; b_rec]."""
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    wi, wh = sd["rnn.weight_ih_l0"], sd["rnn.weight_hh_l0"]
    bi, bh = sd["rnn.bias_ih_l0"], sd["rnn.bias_hh_l0"]
    if cell == "lstm":
        parts = [wi.T, wh.T, bi + bh]
    else:
        perm = np.concatenate([np.arange(H, 2 * H), np.arange(0, H), np.arange(2 * H, 3 * H)])
        parts = [wi[perm].T, wh[perm].T, np.stack([bi[perm], bh[perm]])]
    parts += [sd["head.weight"].reshape(-1), sd["head.bias"].reshape(-1)]
    np.concatenate([np.ascontiguousarray(p).reshape(-1) for p in parts]).astype("<f4").tofile(path)


def batch(x, y, start, idx, L, r, delay):
    rows = start + idx[:, None] + np.arange(L)[None, :] * r  # (B, L)
    return torch.from_numpy(x[rows]), torch.from_numpy(y[start + idx + delay])


def evaluate(model, x, y, split, L, r, delay, B):
    start, count = split
    se = ae = 0.0
    model.eval()
    with torch.no_grad():
        for off in range(0, count, B):
            idx = np.arange(off, min(off + B, count))
            xb, yb = batch(x, y, start, idx, L, r, delay)
            d = (model(xb) - yb).double()
            se += float((d * d).sum())
            ae += float(d.abs().sum())
    return se / count, ae / count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    ap.add_argument("--units", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sequence-length", type=int, default=120)
    ap.add_argument("--sampling-rate", type=int, default=6)
    ap.add_argument("--horizon", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    ap.add_argument("--save-weights", metavar="PATH",
                    help="write the best weights as float32 in hsweep's flat layout "
                         "(W (I,gH), U (H,gH), b, head w (H), head b) for peer_crosscheck")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = np.random.default_rng(a.seed)
    t0 = time.time()
    x, y, n_train, n_val = load(a.data)
    L, r, B = a.sequence_length, a.sampling_rate, a.batch_size
    delay = r * (L + a.horizon - 1)
    sp = splits(len(y), n_train, n_val, L, r, delay)
    model = Model(a.cell, x.shape[1], a.units)
    opt = torch.optim.RMSprop(model.parameters(), lr=a.lr, alpha=0.9, eps=1e-7)
    n_params = sum(p.numel() for p in model.parameters())
    log = sys.stderr if a.json else sys.stdout

    history, best, best_state, best_epoch = [], math.inf, None, 0
    status, reason = "ok", ""
    for epoch in range(1, a.epochs + 1):
        te = time.time()
        model.train()
        start, count = sp[0]
        order = gen.permutation(count)
        se = ae = 0.0
        for off in range(0, count, B):
            idx = order[off:off + B]
            xb, yb = batch(x, y, start, idx, L, r, delay)
            pred = model(xb)
            loss = torch.mean((pred - yb) ** 2)
            if not torch.isfinite(loss):
                status, reason = "diverged", f"diverged at epoch {epoch} (loss={float(loss)})"
                break
            se += float(loss) * len(idx)
            ae += float((pred - yb).abs().sum())
            opt.zero_grad()
            loss.backward()
            opt.step()
        if status != "ok":
            break
        vl, vm = evaluate(model, x, y, sp[1], L, r, delay, B)
        e = {"epoch": epoch, "loss": se / count, "mae": ae / count, "val_loss": vl,
             "val_mae": vm, "wall_s": time.time() - te}
        history.append(e)
        if not a.quiet:
            print(f"Epoch {epoch}/{a.epochs} - {e['wall_s']:.0f}s - loss: {e['loss']:.4f} - "
                  f"mae: {e['mae']:.4f} - val_loss: {vl:.4f} - val_mae: {vm:.4f}", file=log,
                  flush=True)
        if vl < best:
            best, best_epoch, best_state = vl, epoch, copy.deepcopy(model.state_dict())

    val_loss = val_mae = test_mae = None
    if best_state is not None:
        model.load_state_dict(best_state)
        val_loss, val_mae = evaluate(model, x, y, sp[1], L, r, delay, B)
        _, test_mae = evaluate(model, x, y, sp[2], L, r, delay, B)
    if a.save_weights and best_state is not None:
        save_keras_layout(model, a.cell, a.units, a.save_weights)
    out = {"data": a.data, "cell": a.cell, "units": a.units, "epochs": a.epochs, "seed": a.seed,
           "batch_size": B, "learning_rate": a.lr, "sequence_length": L, "sampling_rate": r,
           "horizon": a.horizon, "status": status, "reason": reason, "n_params": n_params,
           "n_windows": {"train": sp[0][1], "val": sp[1][1], "test": sp[2][1]},
           "epochs_run": len(history), "best_epoch": best_epoch, "val_loss": val_loss,
           "val_mae": val_mae, "test_mae": test_mae, "wall_s": time.time() - t0,
           "history": history}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"{n_params} params; windows train {sp[0][1]}, val {sp[1][1]}, test {sp[2][1]}")
        print(f"status: {status}{' - ' + reason if reason else ''}")
        if best_state is not None:
            print(f"best epoch {best_epoch}/{len(history)}: val_loss {val_loss:.4f} - "
                  f"val_mae {val_mae:.4f} - test_mae {test_mae:.4f} ({out['wall_s']:.1f} s)")
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
