"""The sketch selfVAE against its flow-prior VAE (notebook 04; Self-Supervised VAEs, arXiv
2010.02014): configs with their provenance, profiles, training, evaluation and the results cache.

Every config field carries its source: [P] the paper, [S] the predecessor paper's public code
(srVAE, by the same first author), [R] derived, [Q] the companion's spec, [A] this companion's
choice. Evaluation per model, on held-out images: the ELBO in bits per dimension with its RE and KL
columns (nats per image, bpd = (RE + KL) / (D ln 2)), the importance-weighted NLL in bpd, and for
the selfVAE the reconstruction error of each Fig. 3 mode and the edge overlap of conditional
samples with the sketch they were given, against the overlap with another image's sketch. The
per-image values are kept, so that the claims compare the same images (and the same seeds).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from ...cache import ResultCache, TrainedRun, cached_run
from ...config import as_list, config_overrides, known, pick_profile, positive_seeds, tagged
from ...core import discretized_logistic as dl
from ...core.data import DatasetMissing, data_root, load_dataset
from ...parallel import run_configs
from ...train import EpochBatches, fit, resolve_device, seed_everything
from .model import FlowPriorVAE, SketchSelfVAE, iw_log_likelihood
from .transforms import SKETCH_MODES, pencil_sketch

MODELS = ("vae", "selfvae")
#: the plan's key of the VAE with twice the selfVAE's latent channels (as many values as its u and z)
EQUAL_VALUES = "vae (equal values)"
#: what the tables call each model
MODEL_NAMES = {"vae": "VAE + RealNVP", "selfvae": "selfVAE-sketch"}
#: [P] CIFAR-10 32 x 32; CelebA cropped to 64 x 64
IMAGE_SIZES = {"cifar10": 32, "celeba": 64}
#: [A] a sketch pixel darker than this (of 255) is an edge, for the edge-overlap score
EDGE_LEVEL = 200
#: [A] test images drawn in the Fig. 12 grid and used for the per-mode errors and edge overlaps
MODE_IMAGES = 100


@dataclass(frozen=True)
class Config:
    model: str = tagged("selfvae", "P", "vae (flow prior) or selfvae (sketch)")
    dataset: str = tagged("cifar10", "Q", "cifar10 (quick, offline) or celeba (full, 64 x 64)")
    seed: int = tagged(0, "A", "seeds torch, numpy and random before the model is built")
    n_train: int = tagged(10_000, "Q", "training images (the first n)")
    n_test: int = tagged(500, "Q", "held-out images for the ELBO, RE and KL")
    sketch_mode: str = tagged("dodge", "P", "dodge (the paper's recipe) or sobel (a deviation)")
    sketch_sigma: float = tagged(1.0, "Q", "blur of the dodge sketch in pixels (the paper gives none)")
    latent_channels: int = tagged(4, "Q", "C of the C x 8 x 8 latents u and z (paper: 16)")
    mixtures: int = tagged(3, "A", "logistic mixture components I (paper [S]: 10; spec quick: 5)")
    width: int = tagged(32, "A", "conv width (spec quick: 64; 32 for the CPU budget, measured)")
    couplings: int = tagged(4, "Q", "checkerboard couplings of the RealNVP prior")
    iterations: int = tagged(210, "A", "training steps (the six notebooks share CI's hour: 300 measured 530 s; "
                             "150 left selfVAE seed 1 unlearned, ELBO 7.63 bpd, and four claims NOT TESTED)")
    batch_size: int = tagged(64, "Q", "batch size (paper: 32 on CelebA [S])")
    lr: float = tagged(6e-3, "A", "Adamax learning rate ([S]: 2e-3; 6e-3 measured: the quick VAE reaches in "
                                  "300 steps the bpd 1e-3 gives in 800)")
    iw_samples: int = tagged(32, "A", "importance samples of the NLL (paper: 512; spec quick: 64)")
    iw_images: int = tagged(200, "A", "test images of the importance-weighted NLL (the first of n_test)")

    def validate(self) -> "Config":
        known((self.model,), MODELS, "model")
        known((self.dataset,), tuple(IMAGE_SIZES), "dataset")
        known((self.sketch_mode,), SKETCH_MODES, "sketch mode")
        for name in ("n_train", "n_test", "latent_channels", "mixtures", "width", "couplings", "iterations",
                     "batch_size", "iw_samples", "iw_images"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not (self.lr > 0 and self.sketch_sigma > 0):
            raise ValueError("lr and sketch_sigma must be positive")
        return self


def label(config: Config) -> str:
    return MODEL_NAMES[config.model]


def sketch_of(config: Config):
    """x in [0, 1] -> its sketch y in {k/255}, [B, 1, H, W]."""
    return lambda x: pencil_sketch(x, config.sketch_sigma, config.sketch_mode).float() / 255.0


def build_model(config: Config):
    kw = dict(latent_ch=config.latent_channels, mixtures=config.mixtures, width=config.width,
              couplings=config.couplings, image_size=IMAGE_SIZES[config.dataset])
    return FlowPriorVAE(**kw) if config.model == "vae" else SketchSelfVAE(sketch_of(config), **kw)


@functools.lru_cache(maxsize=4)
def _images(dataset: str, split: str, n: int, root: str) -> torch.Tensor:
    return load_dataset(dataset, split, root, limit=n)[0]


def images(config: Config, split: str) -> torch.Tensor:
    """The config's first n_train (n_test) images of its dataset, read once per process."""
    n = config.n_train if split == "train" else config.n_test
    return _images(config.dataset, split, n, str(data_root()))


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
                  log_every=max(1, config.iterations // 50), desc=label(config), progress=progress)
    return model.eval(), history


def edge_overlap(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Intersection over union of the edge pixels (sketch below EDGE_LEVEL) of two sketch batches."""
    ea, eb = a * 255 < EDGE_LEVEL, b * 255 < EDGE_LEVEL
    inter = (ea & eb).flatten(1).sum(1).float()
    union = (ea | eb).flatten(1).sum(1).float().clamp(min=1)
    return inter / union


def _per_image_mse(a, b) -> torch.Tensor:
    return (a - b).pow(2).flatten(1).mean(1)


@torch.no_grad()
def evaluate_one(model, config: Config, x: torch.Tensor, batch: int = 100) -> tuple[dict, dict]:
    """(metrics, arrays) of one model on held-out images x (see the module docstring). The arrays
    hold the per-image values and what the figures draw (eight images of every mode, samples)."""
    gen = torch.Generator(device=x.device).manual_seed(10_000 + config.seed)
    d = x[0].numel()
    re, kl, iw, parts = [], [], [], []
    for xb in x.split(batch):
        terms, p = model.terms(xb, gen)
        re.append(terms.re)
        kl.append(terms.kl)
        parts.append(_parts(p))
    for xb in x[: config.iw_images].split(batch):
        iw.append(iw_log_likelihood(model.log_weights(xb, config.iw_samples, gen)))
    re, kl, iw = torch.cat(re), torch.cat(kl), torch.cat(iw)
    elbo_bpd = dl.bits_per_dim(re + kl, d)
    metrics = {"re": float(re.mean()), "kl": float(kl.mean()), "bpd": float(elbo_bpd.mean()),
               "iw_bpd": float(dl.bits_per_dim(-iw, d).mean()),
               "elbo_bpd_iw_images": float(elbo_bpd[: config.iw_images].mean()), "subpixels": d}
    metrics.update({k: float(torch.cat([q[k] for q in parts]).mean()) for k in parts[0]})
    arrays = {"bpd": elbo_bpd.cpu().numpy(), "iw_bpd": dl.bits_per_dim(-iw, d).cpu().numpy()}
    xm = x[:MODE_IMAGES]
    if config.model == "vae":
        rec = model.reconstruct(xm)
        arrays["mse_vae_reconstruction"] = _per_image_mse(rec, xm).cpu().numpy()
        samples = model.sample(16, gen)
        arrays.update(vae_reconstruction=rec[:8].cpu().numpy(), samples=samples.cpu().numpy())
    else:
        modes = model.modes(xm, gen)
        for key in ("conditional_reconstruction", "conditional_generation", "rs1", "rs2"):
            arrays[f"mse_{key}"] = _per_image_mse(modes[key], xm).cpu().numpy()
        given = modes["sketch"]
        redrawn = model.sketch(modes["conditional_generation"])
        arrays["edge_overlap"] = edge_overlap(redrawn, given).cpu().numpy()
        arrays["edge_overlap_shuffled"] = edge_overlap(redrawn, given.roll(1, 0)).cpu().numpy()
        arrays["edge_fraction"] = (given * 255 < EDGE_LEVEL).flatten(1).float().mean(1).cpu().numpy()
        arrays.update({key: value[:8].cpu().numpy() for key, value in modes.items()})
        samples, sketches = model.sample(16, gen)
        arrays.update(samples=samples.cpu().numpy(), sample_sketches=sketches.cpu().numpy(),
                      interpolation=interpolate_u(model, x[:2], 8).cpu().numpy())
    metrics.update({k: float(np.mean(v)) for k, v in arrays.items() if k.startswith(("mse_", "edge_"))})
    arrays["images"] = x[:8].cpu().numpy()
    return metrics, arrays


def _parts(p: dict) -> dict:
    """RE and KL split by variable, nats per image: re_x = −log p(x|·), re_y = −log p(y|u), kl_z, kl_u
    (one-sample estimates; the VAE has no y and no u)."""
    if "log_py" not in p:
        return {"re_x": -p["log_px"], "kl_z": p["log_q"] - p["log_p"]}
    return {"re_x": -p["log_px"], "re_y": -p["log_py"], "kl_z": p["log_qz"] - p["log_pz"],
            "kl_u": p["log_qu"] - p["log_pu"]}


@torch.no_grad()
def interpolate_u(model: SketchSelfVAE, pair: torch.Tensor, steps: int) -> torch.Tensor:
    """Fig. 13 (i): u moves on a straight line between the posterior means of two images' sketches;
    each u gives its sketch y (mean of p(y|u)) and an image from z = the mean of p(z|y,u).
    Returns [2, steps, C, H, W]: the sketches (grey, repeated to 3 channels) and the images."""
    mu_u, _ = model.q_u(2.0 * model.sketch(pair) - 1.0)
    t = torch.linspace(0, 1, steps, device=pair.device)[:, None, None, None]
    u = (1 - t) * mu_u[:1] + t * mu_u[1:]
    y = dl.sample(model.p_y(u), 1, "mean")
    z = model.z_prior(y, u)[0]
    x = dl.sample(model.x_params(y, z), 3, "mean")
    return torch.stack([y.expand(-1, 3, -1, -1), x])


class Run(TrainedRun):
    """A trained model with its history, metrics and the arrays its figures and claims use."""

    @property
    def label(self) -> str:
        return label(self.config)


def run_one(config: Config, device="auto", cache: ResultCache | None = None, progress: bool = True) -> Run:
    """Train and evaluate `config`, or load both from the cache."""
    config.validate()

    def train_and_evaluate():
        start = time.perf_counter()
        model, history = train_one(config, device=device, progress=progress)
        trained = time.perf_counter()
        test_x = images(config, "test").to(next(model.parameters()).device)
        metrics, arrays = evaluate_one(model, config, test_x)
        metrics.update(train_seconds=trained - start, eval_seconds=time.perf_counter() - trained,
                       parameters=sum(p.numel() for p in model.parameters()))
        return model, history, metrics, arrays

    return cached_run(config, cache, build_model, train_and_evaluate, Run)


# ------------------------------------------------------------------------------------ profiles

@dataclass(frozen=True)
class Profile:
    name: str
    base: Config
    datasets: tuple
    seeds: tuple
    changes: dict = dataclasses.field(default_factory=dict)  # dataset -> config changes
    why: str = ""
    #: also train a VAE whose z sends as many values as the selfVAE's u and z (twice its latent
    #: channels): the comparison RS2's claim needs
    equal_values_vae: bool = False


QUICK = Profile(
    name="quick", base=Config(), datasets=("cifar10",), seeds=(0, 1, 2),
    why="CIFAR-10 32 x 32 from the offline folder (10k training images), latents 4 x 8 x 8, width 32, "
        "3 mixture components, 210 Adamax steps of 64 images, three seeds of each model (paired by seed); "
        "IW-NLL with 32 samples on 200 test images. A different dataset and a far smaller scale than the "
        "paper's CelebA rows: the numbers are this run's, not the paper's.")

FULL = Profile(
    name="full",
    # [Q] spec §10.2 "full-lite": latents 16 x 8 x 8 [P], I = 10 [S], batch 32 [S], Adamax 2e-3 [S],
    # plain conv nets (not the paper's 32-42 M DenseNets), 20 epochs of CelebA, 512 IW samples [P]
    base=Config(latent_channels=16, mixtures=10, width=128, couplings=8, batch_size=32, lr=2e-3,
                iw_samples=512, iw_images=1000, n_test=2000),
    datasets=("celeba", "cifar10"), seeds=(0, 1, 2),
    changes={"celeba": dict(dataset="celeba", n_train=162_770, iterations=100_000),
             "cifar10": dict(dataset="cifar10", n_train=50_000, iterations=30_000, n_test=10_000)},
    why="CelebA 64 x 64 with the paper's crop (all 162,770 training images, ~20 epochs) and CIFAR-10 "
        "(50k, ~20 epochs), latents 16 x 8 x 8, I = 10, width 128, three seeds, IW-NLL with 512 samples "
        "on 1,000 test images. A GPU job.")

#: [A] the long CPU run (stored under figures/extended/): the quick profile's models trained 1,600 steps instead
#: of 210, the steps the budget table estimates for the sketch branch to learn (SKETCH_LEARNS_STEPS in
#: sketch_claims, an estimate fixed before the run), and the equal-values VAE (latent channels 8) that RS2's
#: claim is compared with, trained as long. ~85 core-min of training by the budget table's per-step costs
EXTENDED = Profile(
    name="extended", base=dataclasses.replace(QUICK.base, iterations=1600), datasets=("cifar10",), seeds=(0, 1, 2),
    equal_values_vae=True,
    why="the quick profile's models (CIFAR-10 32 x 32, 10k training images, latents 4 x 8 x 8, width 32) trained "
        "1,600 Adamax steps of 64 images instead of 210, three seeds of each, and a VAE with latents 8 x 8 x 8 (as "
        "many values as the selfVAE's u and z together) trained as long, for RS2's comparison.")

PROFILES = {"quick": QUICK, "extended": EXTENDED, "full": FULL}

#: [A] smoke sizes: every dataset, model and evaluation of a profile in seconds (numbers meaningless)
SMOKE_CHANGES = dict(n_train=128, n_test=16, iterations=3, iw_samples=2, iw_images=8, width=8, batch_size=16)


def smoke_profile(profile: Profile) -> Profile:
    changes = {ds: {k: v for k, v in c.items() if k not in SMOKE_CHANGES} for ds, c in profile.changes.items()}
    return dataclasses.replace(profile, name=f"{profile.name} (smoke)",
                               base=dataclasses.replace(profile.base, **SMOKE_CHANGES), changes=changes)


@dataclass(frozen=True)
class Plan:
    profile: Profile
    base: Config
    runs: dict  # (dataset, model) -> configs over seeds

    @property
    def all_runs(self) -> list[Config]:
        return [c for cs in self.runs.values() for c in cs]

    def datasets(self) -> tuple:
        return tuple(dict.fromkeys(ds for ds, _ in self.runs))


def make_plan(profile: str = "quick", datasets=None, seeds=None, overrides: dict | None = None,
              smoke: bool = False) -> Plan:
    """Validate the notebook's parameters and list its runs (both models on every dataset and seed).
    Raises before any training."""
    prof = pick_profile(PROFILES, profile, smoke, smoke_profile)
    overrides = config_overrides(overrides, Config)
    base = dataclasses.replace(prof.base, **overrides).validate()
    datasets = known(as_list(datasets, "datasets") or prof.datasets, tuple(IMAGE_SIZES), "dataset")
    seeds = positive_seeds(prof.seeds if seeds is None else as_list(seeds, "seeds"))
    runs = {}
    for ds in datasets:
        changes = {k: v for k, v in prof.changes.get(ds, {"dataset": ds}).items() if k not in overrides}
        changes["dataset"] = ds
        for model in MODELS:
            runs[(ds, model)] = tuple(dataclasses.replace(base, **changes, model=model, seed=s).validate()
                                      for s in seeds)
        if prof.equal_values_vae:
            runs[(ds, EQUAL_VALUES)] = tuple(dataclasses.replace(c, latent_channels=2 * c.latent_channels)
                                             for c in runs[(ds, "vae")])
    return Plan(prof, base, runs)


def without(plan: Plan, datasets) -> Plan:
    """The plan minus the runs of `datasets` (those that cannot be loaded here)."""
    return dataclasses.replace(plan, runs={k: v for k, v in plan.runs.items() if k[0] not in set(datasets)})


def missing_datasets(plan: Plan) -> dict:
    """dataset -> why it cannot be loaded here (offline, not downloaded), for the plan's datasets."""
    out = {}
    for ds in plan.datasets():
        try:
            load_dataset(ds, "test", limit=1)
            load_dataset(ds, "train", limit=1)
        except DatasetMissing as err:
            out[ds] = str(err)
    return out


def _cost(config: Config) -> float:
    return config.iterations * (2.2 if config.model == "selfvae" else 1.0) * IMAGE_SIZES[config.dataset] ** 2


def run_plan(plan: Plan, device="auto", jobs: int = 1, cache: ResultCache | None = None,
             progress: bool = True) -> dict:
    """{config: Run} for every run of the plan (the costliest first when jobs > 1)."""
    return run_configs(plan.all_runs, run_one, device, jobs, cache or ResultCache(), progress, _cost)
