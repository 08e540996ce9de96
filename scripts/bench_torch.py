#!/usr/bin/python3
"""bench_torch: PyTorch peer of bench_engine (a benchmark, not a test).

Same shapes and step as the C engine: B = 256, T = 120, F = 14, nn.LSTM / nn.GRU
(batch_first) with hidden 16/32/64, Linear(H, 1) head on the last hidden state, MSE loss,
RMSprop(lr 1e-3, alpha 0.9, eps 1e-7), one thread. Each configuration warms up for about
0.3 s, then times whole training steps (zero_grad, forward, loss, backward, step) for the
given number of seconds. Lines starting with "RESULT" are parsed by scripts/bench.sh:
"RESULT cell H samples/s best-step-samples/s samples-per-CPU-second".
Usage: /usr/bin/python3 scripts/bench_torch.py [seconds per configuration, default 1.5]
       [lstm|gru H]   (only that configuration)
"""
import sys
import time

import torch


def bench(cell, hidden, seconds, B=256, T=120, F=14):
    torch.manual_seed(1)
    rnn_cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    rnn = rnn_cls(F, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7)
    x = torch.randn(B, T, F)
    y = torch.randn(B, 1)

    def step():
        opt.zero_grad()
        out, _ = rnn(x)
        pred = head(out[:, -1, :])
        loss = torch.nn.functional.mse_loss(pred, y)
        loss.backward()
        opt.step()

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.3:  # warm-up
        step()
    steps, best = 0, float("inf")
    t0 = time.perf_counter()
    c0 = time.process_time()
    while True:
        s0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - s0)
        steps += 1
        dt = time.perf_counter() - t0
        if steps >= 3 and dt >= seconds:
            break
    cps = B * steps / (time.process_time() - c0)
    sps = B * steps / dt
    print(f"{cell:5s} H={hidden:<3d} {sps:9.0f} samples/s (per CPU-second {cps:8.0f}, "
          f"best step {B / best:8.0f})")
    print(f"RESULT {cell} {hidden} {sps:.0f} {B / best:.0f} {cps:.0f}")
    sys.stdout.flush()


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    if len(sys.argv) > 3:
        bench(sys.argv[2], int(sys.argv[3]), seconds)
        return
    for cell in ("lstm", "gru"):
        for hidden in (16, 32, 64):
            bench(cell, hidden, seconds)


if __name__ == "__main__":
    main()
