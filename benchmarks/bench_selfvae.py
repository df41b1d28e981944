"""Images per second of notebook 04's models: training steps and importance-weighted evaluation.

    .venv/bin/python benchmarks/bench_selfvae.py [--threads 1] [--steps 20] [--profile quick] [--device cpu]

The VAE with a RealNVP prior and the sketch selfVAE at a profile's sizes (the quick profile: CIFAR-10
32 x 32, width 32, latents 4 x 8 x 8), on random 8-bit images of the right shape, timed after a
warm-up. Training: one Adamax step of a batch. Evaluation: one importance sample of the per-image
log-weights for a batch of 100 (an IW-NLL with K samples costs K of these). Printed as a table,
nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

from companion.papers.selfvae import sketch_experiment as se


def _timed(fn, repeats: int, device: str) -> float:
    for _ in range(3):
        fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def measure(config: se.Config, steps: int, device: str) -> dict:
    torch.manual_seed(0)
    model = se.build_model(config).to(device)
    size = se.IMAGE_SIZES[config.dataset]
    x = torch.randint(0, 256, (config.batch_size, 3, size, size), device=device).float() / 255
    opt = torch.optim.Adamax(model.parameters(), config.lr)

    def step():
        loss = model.terms(x)[0].neg_elbo.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    xe = torch.randint(0, 256, (100, 3, size, size), device=device).float() / 255
    train = _timed(step, steps, device)
    with torch.no_grad():
        iw = _timed(lambda: model.log_weights(xe, 1), steps, device)
    params = sum(p.numel() for p in model.parameters())
    return {"model": se.MODEL_NAMES[config.model], "parameters (M)": round(params / 1e6, 2),
            "train images/s": round(config.batch_size / train, 1), "IW images·samples/s": round(100 / iw, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    plan = se.make_plan(args.profile)
    rows = []
    for (ds, model), configs in plan.runs.items():
        row = measure(configs[0], args.steps, args.device)
        rows.append({"dataset": ds, **row})
    print(f"profile {args.profile}, device {args.device}, {args.threads} thread(s), torch {torch.__version__}")
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
