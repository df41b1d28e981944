"""Training and scoring images per second of notebook 05's networks (OOD detection).

    .venv/bin/python benchmarks/bench_ood.py [--threads 1 2] [--steps 20] [--device cpu]

Training: the VAE step and the Soft-IntroVAE step (`soft_introvae.soft_introvae_step`, the
function notebook 01 uses) on the residual conv nets of spec §4.1 (the paper's widths and the
quick profile's narrow ones) and on the quick MLP. Scoring: the ELBO and the M = 5
importance-weighted log-likelihood from the same draws (`companion.core.ood_scores.ood_scores`).
Random [0, 1] images of the right shape are
used (the values do not change the cost); steps are timed after a warm-up, for at most --steps
steps or about 20 s each. Nothing is asserted.
"""

import argparse
import time

import pandas as pd
import torch

from companion.core.nets import image_mlp_vae, residual_vae
from companion.core.ood_scores import ood_scores
from companion.papers.soft_introvae.method import Optimizers, soft_introvae_step, vae_step
from companion.train import adam

SETUPS = {  # name -> (image shape, zdim, builder, batch)
    "residual (16,32,64), 32x32, z 64 (quick CIFAR-10)":
        ((3, 32, 32), 64, lambda s, z: residual_vae(s, z, (16, 32, 64)), 64),
    "residual (64,128,256), 32x32, z 128 (paper)":
        ((3, 32, 32), 128, lambda s, z: residual_vae(s, z, (64, 128, 256)), 32),
    "residual (64,128), 28x28, z 32 (paper)": ((1, 28, 28), 32, lambda s, z: residual_vae(s, z, (64, 128)), 128),
    "MLP 784-512-256, z 32 (quick MNIST)": ((1, 28, 28), 32, lambda s, z: image_mlp_vae(s, z), 128),
}


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, max_repeats, device, budget_s=20.0):
    """Seconds per call: one warm-up call, then up to `max_repeats` calls or `budget_s` seconds."""
    fn()
    sync(device)
    start, n = time.perf_counter(), 0
    while n < max_repeats and (n < 2 or time.perf_counter() - start < budget_s):
        fn()
        n += 1
    sync(device)
    return (time.perf_counter() - start) / n


def measure(name, threads, steps, device):
    torch.set_num_threads(threads)
    shape, zdim, builder, batch = SETUPS[name]
    torch.manual_seed(0)
    model = builder(shape, zdim).to(device).train()
    opt = Optimizers(adam(model.encoder.parameters(), 2e-4),
                     adam(model.decoder.parameters(), 2e-4))
    x = torch.rand(batch, *shape, device=device)
    row = {"network": name, "threads": threads, "batch": batch}
    row["VAE step, img/s"] = batch / timed(lambda: vae_step(model, opt, x, beta_rec=1.0, beta_kl=1.0), steps, device)
    row["S-IntroVAE step, img/s"] = batch / timed(
        lambda: soft_introvae_step(model, opt, x, beta_rec=1.0, beta_kl=1.0, beta_neg=256.0), steps, device)
    model.eval()
    xs = torch.rand(500, *shape, device=device)
    row["scoring (ELBO + IW, M=5), img/s"] = len(xs) / timed(lambda: ood_scores(model, xs, 5), 3, device)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", nargs="*", default=None, help="substrings of network names")
    args = parser.parse_args()
    device = torch.device(args.device)
    names = [n for n in SETUPS if not args.only or any(o in n for o in args.only)]
    print(f"device {device}, torch {torch.__version__}", flush=True)
    rows = []
    for n in names:
        for t in args.threads:
            rows.append(measure(n, t, args.steps, device))
            print(rows[-1], flush=True)
    print(pd.DataFrame(rows).round(0).to_markdown(index=False))


if __name__ == "__main__":
    main()
