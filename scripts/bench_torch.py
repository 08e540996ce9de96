#!/usr/bin/python3
"""bench_torch: PyTorch peer of bench_engine (a benchmark, not a test).

Same shapes and step as the C engine: T = 120, F = 14, batch B, nn.LSTM / nn.GRU
(batch_first, `layers` stacked, optionally bidirectional) with a Linear head on the last
output (for bidirectional: forward h after the last step and backward h after step 0, as
hsweep's Bidirectional), or the dense baseline (Flatten, Linear(T*F, H) + ReLU, Linear(H, 1)),
MSE loss, RMSprop(lr 1e-3, alpha 0.9, eps 1e-7), one thread. Warms up for 0.3 s, then
times whole training steps (zero_grad, forward, loss, backward, step) in CPU time (one
thread: the process's CPU time) for the given number of seconds and prints the fastest
and the median step. Also prints the OpenBLAS core the process loaded (through ctypes
openblas_get_corename; OPENBLAS_CORETYPE changes it) and torch's CPU capability.
Lines starting with "RESULT" are parsed by scripts/bench.sh:
  RESULT model NAME torch B best-samples/s median-samples/s steps openblas-core
Usage: /usr/bin/python3 scripts/bench_torch.py SECONDS lstm|gru|dense H [B [layers [bidir]]]
       /usr/bin/python3 scripts/bench_torch.py --core   (the OpenBLAS core torch loads)
"""
import ctypes
import sys
import time

import torch


def openblas_core():
    """Core name of every OpenBLAS mapped into this process (torch loads it)."""
    names = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "openblas" in path and path.endswith(".so") or "openblas" in path and ".so." in path:
                names.add(path)
    for path in sorted(names):
        try:
            fn = ctypes.CDLL(path).openblas_get_corename
            fn.restype = ctypes.c_char_p
            return fn().decode()
        except (OSError, AttributeError):
            continue
    return "none"


def cpu_capability():
    """The SIMD level ATen dispatches to (ATEN_CPU_CAPABILITY changes it)."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "?"


class Recurrent(torch.nn.Module):
    def __init__(self, cell, F, H, layers, bidir):
        super().__init__()
        cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = cls(F, H, num_layers=layers, batch_first=True, bidirectional=bidir)
        self.H, self.bidir = H, bidir
        self.head = torch.nn.Linear(2 * H if bidir else H, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        if self.bidir:
            last = torch.cat([out[:, -1, :self.H], out[:, 0, self.H:]], dim=1)
        else:
            last = out[:, -1, :]
        return self.head(last)


def bench(seconds, cell, H, B, layers, bidir, T=120, F=14):
    torch.manual_seed(1)
    if cell == "dense":
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(T * F, H), torch.nn.ReLU(),
                                    torch.nn.Linear(H, 1))
    else:
        model = Recurrent(cell, F, H, layers, bidir)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    x = torch.randn(B, T, F)
    y = torch.randn(B, 1)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()

    t0 = time.process_time()
    while time.process_time() - t0 < 0.3:  # warm-up
        step()
    times = []
    t_end = time.process_time() + seconds
    while len(times) < 5 or time.process_time() < t_end:
        s0 = time.process_time()
        step()
        times.append(time.process_time() - s0)
    times.sort()
    best, med = B / times[0], B / times[len(times) // 2]
    name = f"{cell}{H}" + (f"x{layers}" if layers > 1 else "") + ("bi" if bidir else "")
    core = openblas_core()
    print(f"torch {torch.__version__} {name:12s} B={B:<4d} best {best:9.0f} samples/s, "
          f"median {med:9.0f}, {len(times)} steps (OpenBLAS core {core}, "
          f"CPU capability {cpu_capability()})")
    print(f"RESULT model {name} torch {B} {best:.1f} {med:.1f} {len(times)} {core}")
    sys.stdout.flush()


def main():
    if sys.argv[1:] == ["--core"]:
        print(openblas_core())
        return
    if len(sys.argv) < 4:
        sys.exit("usage: bench_torch.py SECONDS lstm|gru|dense H [B [layers [bidir]]]")
    torch.set_num_threads(1)
    seconds, cell, H = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    B = int(sys.argv[4]) if len(sys.argv) > 4 else 256
    layers = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    bidir = len(sys.argv) > 6 and sys.argv[6] == "1"
    bench(seconds, cell, H, B, layers, bidir)


if __name__ == "__main__":
    main()
