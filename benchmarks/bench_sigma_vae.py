"""Training images per second of the sigma-VAE networks (notebook 02), and the cost of its
evaluation pieces.

    .venv/bin/python benchmarks/bench_sigma_vae.py [--threads 1 2] [--steps 100] [--device cpu]

Steps are timed after a warm-up on random [0, 1] images of MNIST's shape (the data's values do
not change the cost). Printed as a table; nothing is asserted.
"""

import argparse
import time

import pandas as pd
import torch

from companion.core.aggregate_posterior import exact_aggregate_log_density, fit_gmm
from companion.core.likelihoods import GlobalVariance
from companion.core.nets import image_vae_nets
from companion.papers.sigma_vae.method import SigmaVAE, iwae_log_likelihood, make_step
from companion.train import adam

SETUPS = {  # name -> (architecture, objective, sigma mode, stage)
    "MLP, learned σ² (Eq. 9)": ("mlp", "gaussian", "closed_form", 1),
    "MLP, pixel σ² (stage 2)": ("mlp", "gaussian", "closed_form", 2),
    "MLP, DIP-VAE": ("mlp", "dip_vae", "fixed", 1),
    "MLP, WAE-MMD": ("mlp", "wae", "fixed", 1),
    "conv, learned σ² (Eq. 9)": ("conv", "gaussian", "closed_form", 1),
}


def build(arch, mode, stage, zdim, device):
    torch.manual_seed(0)
    enc, dec = image_vae_nets(arch, (1, 28, 28), zdim)
    model = SigmaVAE(enc, dec, GlobalVariance(mode, 0.5)).to(device)
    if stage == 2:
        model.sigma2_dataset.fill_(0.03)
        model.stage.fill_(2)
    return model


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def images_per_second(name, threads, batch, steps, zdim, device):
    torch.set_num_threads(threads)
    arch, objective, mode, stage = SETUPS[name]
    model = build(arch, mode, stage, zdim, device)
    weights = {"dip_vae": dict(lambda_od=10.0, lambda_d=100.0), "wae": dict(lam=10.0)}.get(objective, {})
    step = make_step(model, adam(model.parameters(), 1e-3), objective, **weights)
    x = torch.rand(batch, 1, 28, 28, device=device)
    for i in range(5):
        step(x, i)
    sync(device)
    start = time.perf_counter()
    for i in range(steps):
        step(x, i)
    sync(device)
    return steps * batch / (time.perf_counter() - start)


def evaluation_costs(threads, device):
    torch.set_num_threads(threads)
    rows = []
    model = build("mlp", "fixed", 1, 16, device)
    model.sigma2_dataset.fill_(0.5)
    x = torch.rand(500, 1, 28, 28, device=device)
    start = time.perf_counter()
    iwae_log_likelihood(model, x, 20)
    sync(device)
    rows.append({"piece": "IWAE, K = 20, 500 images, latent 16", "seconds": time.perf_counter() - start})
    mu, logvar = torch.randn(10_000, 2, device=device), torch.randn(10_000, 2, device=device) - 3
    grid = torch.randn(10_000, 2, device=device)
    start = time.perf_counter()
    exact_aggregate_log_density(grid, mu, logvar)
    sync(device)
    rows.append({"piece": "exact aggregate posterior, 10k posteriors x 10k points",
                 "seconds": time.perf_counter() - start})
    for d in (2, 16):
        start = time.perf_counter()
        fit_gmm(torch.randn(10_000, d), 32)
        rows.append({"piece": f"GMM fit, 32 components, 10k points, {d}-D", "seconds": time.perf_counter() - start})
    return pd.DataFrame(rows).round(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--zdim", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    device = torch.device(args.device)
    table = pd.DataFrame({f"{t} thread(s)": {name: images_per_second(name, t, args.batch, args.steps, args.zdim, device)
                                             for name in SETUPS} for t in args.threads}).round(0)
    print(f"training images per second, batch {args.batch}, latent {args.zdim}, {device}")
    print(table.to_markdown())
    print()
    print(f"evaluation pieces, {args.threads[0]} thread(s)")
    print(evaluation_costs(args.threads[0], device).to_markdown(index=False))


if __name__ == "__main__":
    main()
