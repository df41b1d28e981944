"""Training and scoring images per second of notebook 05's networks (OOD detection).

    .venv/bin/python benchmarks/bench_ood.py [--threads 1 2] [--steps 20] [--device cpu]

Training: the VAE step and the Soft-IntroVAE step (`soft_introvae.soft_introvae_step`, the
function notebook 01 uses) on the residual conv nets of spec §4.1 (the paper's widths and the
quick profile's narrow ones) and on the quick MLP. Scoring: the ELBO and the M = 5
importance-weighted log-likelihood (`companion.ood`). Random [0, 1] images of the right shape are
used (the values do not change the cost); steps are timed after a warm-up. Nothing is asserted.
"""

import argparse
import time

import pandas as pd
import torch

from companion.nets import image_mlp_vae, residual_vae
from companion.ood import elbo_score, iw_log_likelihood
from companion.soft_introvae import Optimizers, soft_introvae_step, vae_step

SETUPS = {  # name -> (image shape, zdim, builder, batch)
    "residual (16,32,64), 32x32, z 64 (quick CIFAR-10)": ((3, 32, 32), 64, lambda s, z: residual_vae(s, z, (16, 32, 64)), 64),
    "residual (64,128,256), 32x32, z 128 (paper)": ((3, 32, 32), 128, lambda s, z: residual_vae(s, z, (64, 128, 256)), 32),
    "residual (64,128), 28x28, z 32 (paper)": ((1, 28, 28), 32, lambda s, z: residual_vae(s, z, (64, 128)), 128),
    "MLP 784-512-256, z 32 (quick MNIST)": ((1, 28, 28), 32, lambda s, z: image_mlp_vae(s, z), 128),
}


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, repeats, device):
    fn()  # warm-up
    fn()
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    sync(device)
    return (time.perf_counter() - start) / repeats


def measure(name, threads, steps, device):
    torch.set_num_threads(threads)
    shape, zdim, builder, batch = SETUPS[name]
    torch.manual_seed(0)
    model = builder(shape, zdim).to(device).train()
    opt = Optimizers(torch.optim.Adam(model.encoder.parameters(), 2e-4),
                     torch.optim.Adam(model.decoder.parameters(), 2e-4))
    x = torch.rand(batch, *shape, device=device)
    row = {"network": name, "threads": threads, "batch": batch}
    row["VAE step, img/s"] = batch / timed(lambda: vae_step(model, opt, x, beta_rec=1.0, beta_kl=1.0), steps, device)
    row["S-IntroVAE step, img/s"] = batch / timed(
        lambda: soft_introvae_step(model, opt, x, beta_rec=1.0, beta_kl=1.0, beta_neg=256.0), steps, device)
    model.eval()
    xs = torch.rand(500, *shape, device=device)
    row["ELBO score M=5, img/s"] = len(xs) / timed(lambda: elbo_score(model, xs, 5), 2, device)
    row["IW log-lik. M=5, img/s"] = len(xs) / timed(lambda: iw_log_likelihood(model, xs, 5), 2, device)
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
    rows = [measure(n, t, args.steps, device) for n in names for t in args.threads]
    table = pd.DataFrame(rows).round(0)
    print(f"device {device}, torch {torch.__version__}")
    print(table.to_markdown(index=False))


if __name__ == "__main__":
    main()
