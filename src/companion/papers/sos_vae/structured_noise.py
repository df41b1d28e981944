"""The SOS-VAE against its pixel-independent baseline (notebook 06; Langley et al., arXiv 2205.12533):
configs with their provenance, profiles, training, evaluation and the results cache.

Every config field carries its source: [P] the paper, [C] the authors' code, [Q] this companion's
specification (which measured the quick settings on this kind of CPU), [A] this companion's choice.
Training (the authors' recipe): Adam on the model, the KL (and for SOS optionally ΔH) held at their
targets by the modified differential method of multipliers (`constraints`), the noise head frozen
for the first `pretrain_epochs` (mean-only pre-training).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass

import torch

from ...cache import ResultCache, TrainedRun, cached_run
from ...config import as_list, config_overrides, known, pick_profile, positive_seeds, tagged
from ...core.data import data_root, load_images
from ...core.features import ClassifierConfig, train_classifier
from ...core.metrics import frechet_distance_of_features
from ...parallel import run_configs
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
    epochs: int = tagged(10, "A", "epochs in all, pre-training included (spec quick: 12; 10 for the ten-minute budget)")
    pretrain_epochs: int = tagged(3, "Q", "mean-only epochs first (the noise head frozen; paper: 'a few')")
    batch_size: int = tagged(64, "Q", "images per step (authors' code: 25)")
    lr: float = tagged(5e-4, "Q", "Adam learning rate (authors' code: 1e-4)")
    kl_target: float = tagged(20.0, "Q", "ε_KL, nats per image (paper: 45 on CelebA, 15 on UKBB)")
    entropy_target: float | None = tagged(None, "C", "ε_H on ΔH = ½ log|I + PᵀP/d| in nats; None: no entropy "
                                          "constraint (the paper's values are lost)")
    damping: float = tagged(DAMPING, "C", "damping of the multipliers' quadratic term")
    constraint_reduction: str = tagged("sum", "C", "sum (authors' code: batch totals) or mean (per image)")
    n_generated: int = tagged(2000, "A", "prior latents decoded for the autocorrelation and the Fréchet distances "
                                         "(paper: 50,000 for FID)")

    def validate(self) -> "Config":
        known((self.observation,), OBSERVATIONS, "observation model")
        known((self.dataset,), DATASETS, "dataset")
        known((self.constraint_reduction,), REDUCTIONS, "constraint reduction")
        for name in ("n_train", "n_test", "zdim", "rank", "epochs", "batch_size", "n_generated"):
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


@functools.lru_cache(maxsize=4)
def _labelled(dataset: str, split: str, root: str):
    return load_images(dataset, split, root)


def images(config: Config, split: str) -> torch.Tensor:
    """The config's first n_train (n_test) images, read once per process."""
    x = _labelled(config.dataset, split, str(data_root()))[0]
    return x[: config.n_train] if split == "train" else x[: config.n_test]


def classifier_config(config: Config) -> ClassifierConfig:
    """[A] one conv feature classifier per dataset (and training size) for every Fréchet distance:
    a conv net's features see pixel noise, an MLP's barely do (spec §5)."""
    return ClassifierConfig(dataset=config.dataset, n_train=min(config.n_train, 10_000), seed=0, arch="conv")


def feature_classifier(config: Config, cache: ResultCache | None = None, progress: bool = False):
    """(classifier, test accuracy), trained once per dataset and cached."""
    x, y = _labelled(config.dataset, "train", str(data_root()))
    xt, yt = _labelled(config.dataset, "test", str(data_root()))
    return train_classifier(classifier_config(config), x, y, xt, yt, cache, progress)


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
def evaluate_one(model: ObservationVAE, config: Config, x: torch.Tensor, features=None) -> tuple[dict, dict]:
    """(metrics, arrays): test NLL, KL and ΔH; the reconstruction error; the lag-1 autocorrelation of
    (sample − mean) over prior latents, and of the real residual (x − reconstruction mean); with
    `features` (images -> features), the Fréchet distances of the decoded means and of the samples
    to the test images."""
    gen = torch.Generator(device=x.device).manual_seed(10_000 + config.seed)
    torch.manual_seed(20_000 + config.seed)
    terms = model.terms(x)
    recon = model.reconstruct(x)
    drawn = model.generate(config.n_generated, gen)
    shape = model.image_shape
    metrics = {k: float(v.mean()) for k, v in terms.items()}
    noise = drawn["noise"]
    metrics.update(
        mse=float((recon - x.flatten(1)).pow(2).mean()),
        autocorr_sample=lag1_autocorrelation(image(drawn["sample"] - drawn["mean"], shape)),
        autocorr_real=lag1_autocorrelation(image(x.flatten(1) - recon, shape)),
        mean_variance=float(noise.pow(2).sum(-1).mean() / model.d if noise.dim() == 3 else noise.mean()))
    if features is not None:
        real = features(x)
        for kind in ("mean", "sample"):
            metrics[f"fd_{kind}"] = frechet_distance_of_features(features(image(drawn[kind], shape)), real)
    arrays = {"mean": drawn["mean"][:16].cpu().numpy(), "sample": drawn["sample"][:16].cpu().numpy()}
    return metrics, arrays


class Run(TrainedRun):
    @property
    def label(self) -> str:
        return label(self.config)


def label(config: Config) -> str:
    name = "SOS-VAE" if config.observation == "low_rank" else "baseline (diagonal)"
    return name + (f", ΔH = {config.entropy_target:g}" if config.entropy_target is not None else "")


def run_one(config: Config, device="auto", cache: ResultCache | None = None, progress: bool = True) -> Run:
    """Train and evaluate `config`, or load both from the cache."""
    config.validate()
    cache = cache or ResultCache()

    def train_and_evaluate():
        start = time.perf_counter()
        model, constraints, history = train_one(config, device=device, progress=progress)
        trained = time.perf_counter()
        x = images(config, "test").to(next(model.parameters()).device)
        classifier, accuracy = feature_classifier(config, cache)
        metrics, arrays = evaluate_one(model, config, x, classifier.to(x.device).features)
        metrics.update(train_seconds=trained - start, eval_seconds=time.perf_counter() - trained,
                       classifier_accuracy=accuracy,
                       **{f"lambda_{k}": v for k, v in constraints.values().items()})
        return model, history, metrics, arrays

    return cached_run(config, cache, build_model, train_and_evaluate, Run)


# ------------------------------------------------------------------------------------ profiles

@dataclass(frozen=True)
class Profile:
    name: str
    base: Config
    datasets: tuple
    seeds: tuple
    entropy_targets: tuple = ()   # SOS runs with an entropy constraint (Appendix A's comparison), seed 0
    why: str = ""


QUICK = Profile(
    name="quick", base=Config(), datasets=("fashion-mnist", "mnist"), seeds=(0, 1, 2), entropy_targets=(50.0,),
    why="Fashion-MNIST and MNIST 28 x 28 (10k training images), the sigma-VAE notebook's MLP, latent 16, rank 10, "
        "10 epochs (3 mean-only), ε_KL = 20, three seeds of each model (paired by seed), and one SOS run with an "
        "entropy constraint (ΔH = 50) on Fashion-MNIST for Appendix A.")

FULL = Profile(
    name="full", base=Config(epochs=50, pretrain_epochs=5, n_train=60_000, n_test=10_000, zdim=128, rank=25,
                             kl_target=45.0),
    datasets=("fashion-mnist", "mnist"), seeds=(0, 1, 2), entropy_targets=(50.0,),
    why="All 60k training images, latent 128 and rank 25 [P], ε_KL = 45 [P: CelebA], 50 epochs, three seeds. The "
        "paper's CelebA ResNet is not implemented yet.")

PROFILES = {"quick": QUICK, "full": FULL}

#: [A] smoke sizes: every dataset, model and evaluation of a profile in seconds (numbers meaningless)
SMOKE_CHANGES = dict(n_train=256, n_test=64, epochs=2, pretrain_epochs=1, n_generated=64)


def smoke_profile(profile: Profile) -> Profile:
    return dataclasses.replace(profile, name=f"{profile.name} (smoke)",
                               base=dataclasses.replace(profile.base, **SMOKE_CHANGES))


@dataclass(frozen=True)
class Plan:
    profile: Profile
    base: Config
    runs: dict  # (dataset, observation) -> configs over seeds
    entropy_runs: dict  # (dataset, ΔH) -> config

    @property
    def all_runs(self) -> list[Config]:
        return [c for cs in self.runs.values() for c in cs] + list(self.entropy_runs.values())

    def datasets(self) -> tuple:
        return tuple(dict.fromkeys(ds for ds, _ in self.runs))


def make_plan(profile: str = "quick", datasets=None, seeds=None, overrides: dict | None = None,
              smoke: bool = False) -> Plan:
    """Validate the notebook's parameters and list its runs. Raises before any training."""
    prof = pick_profile(PROFILES, profile, smoke, smoke_profile)
    overrides = config_overrides(overrides, Config)
    base = dataclasses.replace(prof.base, **overrides).validate()
    datasets = known(as_list(datasets, "datasets") or prof.datasets, DATASETS, "dataset")
    seeds = positive_seeds(prof.seeds if seeds is None else as_list(seeds, "seeds"))
    runs = {(ds, o): tuple(dataclasses.replace(base, dataset=ds, observation=o, seed=s,
                                               entropy_target=None if o == "diagonal" else base.entropy_target)
                           .validate() for s in seeds)
            for ds in datasets for o in OBSERVATIONS}
    entropy_runs = {(datasets[0], h): dataclasses.replace(base, dataset=datasets[0], observation="low_rank",
                                                          seed=seeds[0], entropy_target=h).validate()
                    for h in prof.entropy_targets}
    return Plan(prof, base, runs, entropy_runs)


def _cost(config: Config) -> float:
    return config.epochs * config.n_train * (2.3 if config.observation == "low_rank" else 1.0)


def run_plan(plan: Plan, device="auto", jobs: int = 1, cache: ResultCache | None = None,
             progress: bool = True) -> dict:
    """The feature classifiers first (one per dataset), then every run (the costliest first)."""
    cache = cache or ResultCache()
    for ds in plan.datasets():
        feature_classifier(plan.runs[(ds, "low_rank")][0], cache, progress)
    return run_configs(plan.all_runs, run_one, device, jobs, cache, progress, _cost)


