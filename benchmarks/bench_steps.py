"""Iterations per second of the three 2D update steps at the paper's size (hidden 256, batch 512).

    .venv/bin/python benchmarks/bench_steps.py [--threads 1 2] [--iters 60] [--device cpu]

Each step is timed after a warm-up, data sampled on the device inside the timed loop (as in
training). The results are printed as a table; nothing is asserted.
"""

import argparse
import time

import torch

from companion.core.data import sample_toy
from companion.core.nets import VAE, MLPDecoder, MLPEncoder
from companion.papers.soft_introvae.method import Optimizers, introvae_step, soft_introvae_step, vae_step
from companion.train import adam

STEPS = {
    "VAE": (vae_step, dict(beta_rec=0.8, beta_kl=0.05)),
    "IntroVAE": (introvae_step, dict(beta_rec=0.3, beta_kl=0.5, beta_neg=1.0, m=1.0)),
    "S-IntroVAE": (soft_introvae_step, dict(beta_rec=0.2, beta_kl=0.3, beta_neg=0.9, scale=0.5)),
}


def bench(name, threads, hidden, batch, iters, device):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = VAE(MLPEncoder(2, 2, hidden), MLPDecoder(2, 2, hidden)).to(device)
    opt = Optimizers(adam(model.encoder.parameters(), 2e-4),
                     adam(model.decoder.parameters(), 2e-4))
    step, kw = STEPS[name]
    for _ in range(10):
        step(model, opt, sample_toy("8gaussians", batch, device=device), **kw)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(iters):
        step(model, opt, sample_toy("8gaussians", batch, device=device), **kw)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return iters / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--iters", type=int, default=60)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    device = torch.device(args.device)
    print(f"torch {torch.__version__}, device {device}, hidden {args.hidden}, batch {args.batch}")
    print(f"{'step':12s} " + " ".join(f"{t:>2d} thread(s)" for t in args.threads) + "   (iterations / s)")
    for name in STEPS:
        rates = [bench(name, t, args.hidden, args.batch, args.iters, device) for t in args.threads]
        print(f"{name:12s} " + " ".join(f"{r:12.1f}" for r in rates))


if __name__ == "__main__":
    main()
