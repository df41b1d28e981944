"""The sketch selfVAE against its flow-prior VAE (notebook 04; Self-Supervised VAEs, arXiv
2010.02014): configs with their provenance, training and evaluation of one model.

WORK IN PROGRESS (issue 12): profiles, plan, caching, report and notebook are still to come.

Every config field carries its source: [P] the paper, [S] the predecessor paper's public code
(srVAE, by the same first author), [R] derived, [Q] the companion's spec, [A] this companion's
choice. Evaluation per model, on held-out images: the ELBO in bits per dimension with its RE and KL
columns (nats per image, bpd = (RE + KL) / (D ln 2)), the importance-weighted NLL in bpd, and for
the selfVAE the reconstruction error of each Fig. 3 mode and the edge overlap of conditional
samples with the sketch they were given, against the overlap with another image's sketch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from ...config import known, tagged
from ...core import discretized_logistic as dl
from ...core.data import load_dataset
from ...train import EpochBatches, fit, resolve_device, seed_everything
from .model import FlowPriorVAE, SketchSelfVAE, iw_log_likelihood
from .transforms import SKETCH_MODES, pencil_sketch

MODELS = ("vae", "selfvae")
#: [P] CIFAR-10 32 x 32; CelebA cropped to 64 x 64
IMAGE_SIZES = {"cifar10": 32, "celeba": 64}
#: [A] a sketch pixel darker than this (of 255) is an edge, for the edge-overlap score
EDGE_LEVEL = 200


@dataclass(frozen=True)
class Config:
    model: str = tagged("selfvae", "P", "vae (flow prior) or selfvae (sketch)")
    dataset: str = tagged("cifar10", "Q", "cifar10 (quick, offline) or celeba (full, 64 x 64)")
    seed: int = tagged(0, "A", "seeds torch, numpy and random before the model is built")
    n_train: int = tagged(10_000, "Q", "training images (the first n)")
    n_test: int = tagged(500, "Q", "held-out images for the metrics")
    sketch_mode: str = tagged("dodge", "P", "dodge (the paper's recipe) or sobel (a deviation)")
    sketch_sigma: float = tagged(1.0, "Q", "blur of the dodge sketch in pixels (the paper gives none)")
    latent_channels: int = tagged(4, "Q", "C of the C x 8 x 8 latents u and z (paper: 16)")
    mixtures: int = tagged(3, "A", "logistic mixture components I (paper [S]: 10; spec quick: 5)")
    width: int = tagged(32, "A", "conv width (spec quick: 64; 32 for the CPU budget, measured)")
    couplings: int = tagged(4, "Q", "checkerboard couplings of the RealNVP prior")
    iterations: int = tagged(800, "A", "training steps")
    batch_size: int = tagged(64, "Q", "batch size (paper: 32 on CelebA [S])")
    lr: float = tagged(1e-3, "Q", "Adamax learning rate ([S]: 2e-3 with decay)")
    iw_samples: int = tagged(64, "Q", "importance samples of the NLL (paper: 512)")

    def validate(self) -> "Config":
        known((self.model,), MODELS, "model")
        known((self.dataset,), tuple(IMAGE_SIZES), "dataset")
        known((self.sketch_mode,), SKETCH_MODES, "sketch mode")
        for name in ("n_train", "n_test", "latent_channels", "mixtures", "width", "couplings", "iterations",
                     "batch_size", "iw_samples"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not (self.lr > 0 and self.sketch_sigma > 0):
            raise ValueError("lr and sketch_sigma must be positive")
        return self


def sketch_of(config: Config):
    """x in [0, 1] -> its sketch y in {k/255}, [B, 1, H, W]."""
    return lambda x: pencil_sketch(x, config.sketch_sigma, config.sketch_mode).float() / 255.0


def build_model(config: Config):
    kw = dict(latent_ch=config.latent_channels, mixtures=config.mixtures, width=config.width,
              couplings=config.couplings, image_size=IMAGE_SIZES[config.dataset])
    return FlowPriorVAE(**kw) if config.model == "vae" else SketchSelfVAE(sketch_of(config), **kw)


def images(config: Config, split: str) -> torch.Tensor:
    n = config.n_train if split == "train" else config.n_test
    return load_dataset(config.dataset, split, limit=n)[0]


def train_one(config: Config, x: torch.Tensor | None = None, device="auto", progress: bool = True):
    """(model, history): Adamax on the mean −ELBO per image [S: Adamax]."""
    config.validate()
    device = resolve_device(device)
    seed_everything(config.seed)
    model = build_model(config).to(device)
    x = (images(config, "train") if x is None else x).to(device)
    opt = torch.optim.Adamax(model.parameters(), config.lr)
    d = x[0].numel()

    def step(xb, i):
        terms = model.terms(xb)[0]
        loss = terms.neg_elbo.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"bpd": loss.detach() / (d * math.log(2)), "re": terms.re.mean().detach(),
                "kl": terms.kl.mean().detach()}

    batches = EpochBatches(len(x), config.batch_size, config.seed)
    history = fit(lambda idx, i: step(x[idx], i), batches, config.iterations,
                  log_every=max(1, config.iterations // 50), desc=config.model, progress=progress)
    return model.eval(), history


def edge_overlap(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Intersection over union of the edge pixels (sketch below EDGE_LEVEL) of two sketch batches."""
    ea, eb = a * 255 < EDGE_LEVEL, b * 255 < EDGE_LEVEL
    inter = (ea & eb).flatten(1).sum(1).float()
    union = (ea | eb).flatten(1).sum(1).float().clamp(min=1)
    return inter / union


@torch.no_grad()
def evaluate_one(model, config: Config, x: torch.Tensor, batch: int = 100) -> dict:
    """The metrics of one model on held-out images x (see the module docstring)."""
    gen = torch.Generator(device=x.device).manual_seed(10_000 + config.seed)
    d = x[0].numel()
    re, kl, iw = [], [], []
    for xb in x.split(batch):
        terms = model.terms(xb, gen)[0]
        re.append(terms.re)
        kl.append(terms.kl)
        iw.append(iw_log_likelihood(model.log_weights(xb, config.iw_samples, gen)))
    re, kl, iw = torch.cat(re), torch.cat(kl), torch.cat(iw)
    out = {"re": float(re.mean()), "kl": float(kl.mean()), "bpd": float(dl.bits_per_dim((re + kl).mean(), d)),
           "iw_bpd": float(dl.bits_per_dim(-iw.mean(), d))}
    if config.model == "vae":
        out["rec_mse"] = float((model.reconstruct(x[:batch]) - x[:batch]).pow(2).mean())
        return out
    modes = model.modes(x[:batch], gen)
    for key in ("conditional_reconstruction", "conditional_generation", "rs1", "rs2"):
        out[f"mse_{key}"] = float((modes[key] - x[:batch]).pow(2).mean())
    given = modes["sketch"]
    redrawn = model.sketch(modes["conditional_generation"])
    out["edge_overlap"] = float(edge_overlap(redrawn, given).mean())
    out["edge_overlap_shuffled"] = float(edge_overlap(redrawn, given.roll(1, 0)).mean())
    return out


def run_one(config: Config, train_x=None, test_x=None, device="auto", progress: bool = True) -> dict:
    """Train and evaluate one model (not cached yet): metrics with train and eval seconds."""
    start = time.perf_counter()
    model, history = train_one(config, train_x, device, progress)
    trained = time.perf_counter()
    test_x = (images(config, "test") if test_x is None else test_x).to(next(model.parameters()).device)
    metrics = evaluate_one(model, config, test_x)
    metrics.update(train_seconds=trained - start, eval_seconds=time.perf_counter() - trained)
    return {"model": model, "history": history, "metrics": metrics}
