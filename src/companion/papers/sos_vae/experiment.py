"""Training and evaluating one SOS-VAE or baseline (notebook 06, WORK IN PROGRESS: profiles, cache,
report and notebook to come; Langley et al., arXiv 2205.12533).

Every config field carries its source: [P] the paper, [C] the authors' code, [Q] this companion's
specification (which measured the quick settings on this kind of CPU), [A] this companion's choice.
Training (the authors' recipe): Adam on the model, the KL (and for SOS optionally ΔH) held at their
targets by the modified differential method of multipliers (`constraints`), the noise head frozen
for the first `pretrain_epochs` (mean-only pre-training).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from ...config import known, tagged
from ...core.data import load_images
from ...train import EpochBatches, adam, fit, resolve_device, seed_everything
from .constraints import DAMPING, REDUCTIONS, Constraints
from .model import OBSERVATIONS, ObservationVAE, image
from .spatial import lag1_autocorrelation

DATASETS = ("fashion-mnist", "mnist")


@dataclass(frozen=True)
class Config:
    observation: str = tagged("low_rank", "P", "low_rank (SOS-VAE) or diagonal (the pixel-independent baseline)")
    dataset: str = tagged("fashion-mnist", "Q", "fashion-mnist or mnist (28 x 28, pixels in [0, 1])")
    seed: int = tagged(0, "A", "seeds torch, numpy and random before the model is built")
    n_train: int = tagged(10_000, "Q", "training images (the first n)")
    n_test: int = tagged(1_000, "A", "held-out images for the metrics")
    zdim: int = tagged(16, "Q", "latent size (paper: 128)")
    rank: int = tagged(10, "Q", "rank R of the covariance factor P (paper: 25)")
    diagonal: float = tagged(1e-5, "C", "the fixed diagonal of Σ")
    epochs: int = tagged(12, "Q", "epochs in all, pre-training included")
    pretrain_epochs: int = tagged(3, "Q", "mean-only epochs first (the noise head frozen; paper: 'a few')")
    batch_size: int = tagged(64, "Q", "images per step (authors' code: 25)")
    lr: float = tagged(5e-4, "Q", "Adam learning rate (authors' code: 1e-4)")
    kl_target: float = tagged(20.0, "Q", "ε_KL, nats per image (paper: 45 on CelebA, 15 on UKBB)")
    entropy_target: float | None = tagged(None, "C", "ε_H on ΔH = ½ log|I + PᵀP/d| in nats; None: no entropy "
                                          "constraint (the paper's values are lost)")
    damping: float = tagged(DAMPING, "C", "damping of the multipliers' quadratic term")
    constraint_reduction: str = tagged("sum", "C", "sum (authors' code: batch totals) or mean (per image)")

    def validate(self) -> "Config":
        known((self.observation,), OBSERVATIONS, "observation model")
        known((self.dataset,), DATASETS, "dataset")
        known((self.constraint_reduction,), REDUCTIONS, "constraint reduction")
        for name in ("n_train", "n_test", "zdim", "rank", "epochs", "batch_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0 <= self.pretrain_epochs < self.epochs:
            raise ValueError(f"pretrain_epochs must be in [0, epochs), got {self.pretrain_epochs}")
        if not (self.lr > 0 and self.diagonal > 0 and self.kl_target > 0):
            raise ValueError("lr, diagonal and kl_target must be positive")
        if self.observation == "diagonal" and self.entropy_target is not None:
            raise ValueError("the baseline has no entropy constraint (the paper found it hurt)")
        return self


def build_model(config: Config) -> ObservationVAE:
    return ObservationVAE((1, 28, 28), config.zdim, config.rank, config.observation, diagonal=config.diagonal)


def images(config: Config, split: str) -> torch.Tensor:
    x = load_images(config.dataset, split)[0]
    return x[: config.n_train] if split == "train" else x[: config.n_test]


def train_one(config: Config, x: torch.Tensor | None = None, device="auto", progress: bool = True):
    """(model, constraints, history)."""
    config.validate()
    device = resolve_device(device)
    seed_everything(config.seed)
    model = build_model(config).to(device)
    x = (images(config, "train") if x is None else x).to(device)
    targets = {"kl": config.kl_target}
    if config.observation == "low_rank":
        targets["entropy"] = config.entropy_target
    constraints = Constraints(targets, config.damping, config.constraint_reduction).to(device)
    opt = adam(model.parameters(), config.lr)
    batches = EpochBatches(len(x), config.batch_size, config.seed)
    pretrain_steps = config.pretrain_epochs * batches.per_epoch
    reduce = (lambda v: v.sum()) if config.constraint_reduction == "sum" else (lambda v: v.mean())

    def step(idx, i):
        model.freeze_noise(i < pretrain_steps)
        terms = model.terms(x[idx])
        penalty, gaps = constraints.penalty(terms)
        loss = reduce(terms["rec"]) + penalty
        opt.zero_grad(set_to_none=True)
        constraints.zero_grad()
        loss.backward()
        opt.step()
        constraints.step()
        row = {k: v.detach().mean() for k, v in terms.items()}
        row.update({f"lambda_{k}": p.detach() for k, p in constraints.multipliers.items()})
        return row

    history = fit(step, batches, config.epochs * batches.per_epoch, log_every=batches.per_epoch,
                  desc=config.observation, progress=progress)
    model.freeze_noise(False)
    return model.eval(), constraints, history


@torch.no_grad()
def evaluate_one(model: ObservationVAE, config: Config, x: torch.Tensor, n_prior: int = 1000) -> tuple[dict, dict]:
    """(metrics, arrays): test NLL, KL and ΔH; the reconstruction error; the lag-1 autocorrelation of
    (sample − mean) over prior latents, and of the real residual (x − reconstruction mean)."""
    gen = torch.Generator(device=x.device).manual_seed(10_000 + config.seed)
    terms = model.terms(x)
    recon = model.reconstruct(x)
    drawn = model.generate(n_prior, gen)
    shape = model.image_shape
    metrics = {k: float(v.mean()) for k, v in terms.items()}
    metrics.update(
        mse=float((recon - x.flatten(1)).pow(2).mean()),
        autocorr_sample=lag1_autocorrelation(image(drawn["sample"] - drawn["mean"], shape)),
        autocorr_real=lag1_autocorrelation(image(x.flatten(1) - recon, shape)),
        nll_bits_per_dim=float(terms["rec"].mean()) / (model.d * math.log(2)))
    arrays = {"mean": drawn["mean"][:16].cpu().numpy(), "sample": drawn["sample"][:16].cpu().numpy()}
    return metrics, arrays


def run_one(config: Config, device="auto", progress: bool = True) -> dict:
    """Train and evaluate (not cached yet)."""
    start = time.perf_counter()
    model, constraints, history = train_one(config, device=device, progress=progress)
    trained = time.perf_counter()
    x = images(config, "test").to(next(model.parameters()).device)
    metrics, arrays = evaluate_one(model, config, x)
    metrics.update(train_seconds=trained - start, eval_seconds=time.perf_counter() - trained,
                   **{f"lambda_{k}": v for k, v in constraints.values().items()})
    return {"model": model, "history": history, "metrics": metrics, "arrays": arrays}
