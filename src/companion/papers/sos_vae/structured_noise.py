"""The SOS-VAE against its pixel-independent baseline (notebook 06; Langley et al., arXiv 2205.12533):
configs with their provenance, profiles, training, evaluation and the results cache.

Every config field carries its source: [P] the paper, [C] the authors' code, [Q] this companion's
specification (which measured the quick settings on this kind of CPU), [A] this companion's choice.
Training (the authors' recipe): Adam on the model, the KL (and for SOS optionally ΔH) held at their
targets by the modified differential method of multipliers (`constraints`), the noise head frozen
for the first `pretrain_epochs` (mean-only pre-training). The quick profile trains MLPs on MNIST and
Fashion-MNIST; the full profile adds the paper's setting, CelebA 64 × 64 RGB with the authors' conv
ResNet, latent 128, rank 25, ε_KL = 45, scored by Inception FID (a GPU job).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass

import torch

from ...cache import ResultCache, TrainedRun, cached_run
from ...config import as_list, config_overrides, known, pick_profile, positive_seeds, tagged
from ...core.data import DatasetMissing, data_root, load_celeba, load_images
from ...core.features import ClassifierConfig, frechet_features, train_classifier
from ...core.metrics import frechet_distance_of_features
from ...parallel import run_configs
from ...train import EpochBatches, adam, fit, resolve_device, seed_everything
from .constraints import DAMPING, REDUCTIONS, Constraints
from .model import ARCHS, OBSERVATIONS, ObservationVAE, image
from .spatial import lag1_autocorrelation

#: dataset -> image shape [C, H, W]
IMAGE_SHAPES = {"fashion-mnist": (1, 28, 28), "mnist": (1, 28, 28), "celeba": (3, 64, 64)}
DATASETS = tuple(IMAGE_SHAPES)
#: Fréchet-distance features: a conv classifier trained here (offline) or Inception-v3 (FID)
FD_FEATURES = ("classifier", "inception")


@dataclass(frozen=True)
class Config:
    observation: str = tagged("low_rank", "P", "low_rank (SOS-VAE) or diagonal (the pixel-independent baseline)")
    dataset: str = tagged("fashion-mnist", "Q", "fashion-mnist or mnist (28 x 28), or celeba (64 x 64 RGB; the paper's "
                                                "218 x 178 took 72 h on a T4)")
    seed: int = tagged(0, "A", "seeds torch, numpy and random before the model is built")
    n_train: int = tagged(10_000, "Q", "training images (the first n)")
    n_test: int = tagged(1_000, "A", "held-out images for the metrics")
    arch: str = tagged("mlp", "Q", "mlp (784-512-256 and its mirror) or resnet (the authors' conv ResNet)")
    width: int = tagged(64, "C", "base width w of the ResNet (channels w, 2w, 4w, 8w)")
    halvings: int = tagged(1, "Q", "the ResNet's halvings at 64 x 64 (the authors' 218 x 178 model: 3)")
    zdim: int = tagged(16, "Q", "latent size (paper: 128)")
    rank: int = tagged(10, "Q", "rank R of the covariance factor P (paper: 25)")
    diagonal: float = tagged(1e-5, "C", "the fixed diagonal of Σ")
    epochs: int = tagged(6, "A", "epochs, pre-training included (spec quick: 12; 6 as six notebooks share CI's "
                         "hour: 8 measured 580 s for the notebook)")
    pretrain_epochs: int = tagged(2, "Q", "mean-only epochs first (the noise head frozen; paper: 'a few')")
    batch_size: int = tagged(64, "Q", "images per step (authors' code: 25)")
    lr: float = tagged(5e-4, "Q", "Adam learning rate (authors' code: 1e-4)")
    kl_target: float = tagged(20.0, "Q", "ε_KL, nats per image (paper: 45 on CelebA, 15 on UKBB)")
    entropy_target: float | None = tagged(None, "C", "ε_H on ΔH = ½ log|I + PᵀP/d| in nats; None: no entropy "
                                          "constraint (the paper's values are lost)")
    damping: float = tagged(DAMPING, "C", "damping of the multipliers' quadratic term")
    constraint_reduction: str = tagged("sum", "C", "sum (authors' code: batch totals) or mean (per image)")
    n_generated: int = tagged(2000, "A", "prior latents decoded for the autocorrelation and the Fréchet distances "
                                         "(paper: 50,000 for FID)")
    fd_features: str = tagged("classifier", "A", "classifier (a conv net trained here, offline) or inception "
                                                 "(FID; needs pytorch-fid and its weights)")

    @property
    def image_shape(self) -> tuple:
        return IMAGE_SHAPES[self.dataset]

    def validate(self) -> "Config":
        known((self.observation,), OBSERVATIONS, "observation model")
        known((self.dataset,), DATASETS, "dataset")
        known((self.constraint_reduction,), REDUCTIONS, "constraint reduction")
        known((self.arch,), ARCHS, "architecture")
        known((self.fd_features,), FD_FEATURES, "fd_features")
        for name in ("n_train", "n_test", "zdim", "rank", "epochs", "batch_size", "n_generated", "width"):
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
    return ObservationVAE(config.image_shape, config.zdim, config.rank, config.observation, diagonal=config.diagonal,
                          arch=config.arch, width=config.width, halvings=config.halvings)


@functools.lru_cache(maxsize=4)
def _labelled(dataset: str, split: str, root: str):
    return load_images(dataset, split, root)


@functools.lru_cache(maxsize=2)
def _celeba(split: str, root: str, limit: int) -> torch.Tensor:
    return load_celeba(split, root, size=IMAGE_SHAPES["celeba"][-1], limit=limit)


def images(config: Config, split: str) -> torch.Tensor:
    """The config's first n_train (n_test) images, read once per process."""
    n = config.n_train if split == "train" else config.n_test
    if config.dataset == "celeba":
        return _celeba(split, str(data_root()), n)
    return _labelled(config.dataset, split, str(data_root()))[0][:n]


def classifier_config(config: Config) -> ClassifierConfig:
    """[A] one conv feature classifier per dataset (and training size) for every Fréchet distance:
    a conv net's features see pixel noise, an MLP's barely do (spec §5)."""
    return ClassifierConfig(dataset=config.dataset, n_train=min(config.n_train, 10_000), seed=0, arch="conv")


def feature_classifier(config: Config, cache: ResultCache | None = None, progress: bool = False):
    """(classifier, test accuracy), trained once per dataset and cached."""
    x, y = _labelled(config.dataset, "train", str(data_root()))
    xt, yt = _labelled(config.dataset, "test", str(data_root()))
    return train_classifier(classifier_config(config), x, y, xt, yt, cache, progress)


def feature_function(config: Config, cache: ResultCache | None = None, progress: bool = False) -> tuple:
    """(images -> features or None, label, classifier accuracy or None, note): Inception FID
    features when the config asks and they load, otherwise the dataset's conv classifier; CelebA has
    no labels to train one on."""
    has_labels = config.dataset != "celeba"
    return frechet_features(config.fd_features,
                            (lambda: feature_classifier(config, cache, progress)) if has_labels else None)


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


#: [A] images per forward pass in evaluation (the quick profile's 1,000 test images and 2,000 latents
#: are one chunk each)
EVAL_CHUNK = 2000


@torch.no_grad()
def _generate(model: ObservationVAE, n: int, gen) -> dict:
    """Prior latents decoded in chunks: means and samples [n, D], and the predicted per-pixel
    variance (diag Σ = Σ_r P², or σ²) averaged over pixels and latents."""
    means, samples, variances = [], [], []
    for start in range(0, n, EVAL_CHUNK):
        drawn = model.generate(min(EVAL_CHUNK, n - start), gen)
        noise = drawn["noise"]
        var = noise.pow(2).sum(-1) if noise.dim() == 3 else noise
        means.append(drawn["mean"])
        samples.append(drawn["sample"])
        variances.append((float(var.mean()), len(var)))
    average = variances[0][0] if len(variances) == 1 else sum(v * b for v, b in variances) / n
    return {"mean": torch.cat(means), "sample": torch.cat(samples), "mean_variance": average}


@torch.no_grad()
def evaluate_one(model: ObservationVAE, config: Config, x: torch.Tensor, features=None) -> tuple[dict, dict]:
    """(metrics, arrays): test NLL, KL and ΔH; the reconstruction error; the lag-1 autocorrelation of
    (sample − mean) over prior latents, and of the real residual (x − reconstruction mean); with
    `features` (images -> features), the Fréchet distances of the decoded means and of the samples
    to the test images."""
    gen = torch.Generator(device=x.device).manual_seed(10_000 + config.seed)
    torch.manual_seed(20_000 + config.seed)
    chunks = x.split(EVAL_CHUNK)
    terms = [model.terms(xb) for xb in chunks]
    terms = {k: torch.cat([t[k] for t in terms]) for k in terms[0]}
    recon = torch.cat([model.reconstruct(xb) for xb in chunks])
    drawn = _generate(model, config.n_generated, gen)
    shape = model.image_shape
    metrics = {k: float(v.mean()) for k, v in terms.items()}
    metrics.update(
        mse=float((recon - x.flatten(1)).pow(2).mean()),
        autocorr_sample=lag1_autocorrelation(image(drawn["sample"] - drawn["mean"], shape)),
        autocorr_real=lag1_autocorrelation(image(x.flatten(1) - recon, shape)),
        mean_variance=drawn["mean_variance"])
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
        features, fd_label, accuracy, note = feature_function(config, cache)
        metrics, arrays = evaluate_one(model, config, x, features)
        metrics.update(train_seconds=trained - start, eval_seconds=time.perf_counter() - trained,
                       fd_features=fd_label, fd_note=note,
                       **{f"lambda_{k}": v for k, v in constraints.values().items()})
        if accuracy is not None:
            metrics["classifier_accuracy"] = accuracy
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
    entropy_dataset: str = "fashion-mnist"  # where they run (else the plan's first dataset)
    changes: dict = dataclasses.field(default_factory=dict)  # dataset -> config changes
    why: str = ""


QUICK = Profile(
    name="quick", base=Config(), datasets=("fashion-mnist", "mnist"), seeds=(0, 1, 2), entropy_targets=(50.0,),
    why="Fashion-MNIST and MNIST 28 x 28 (10k training images), the sigma-VAE notebook's MLP, latent 16, rank 10, "
        "6 epochs (2 mean-only), ε_KL = 20, three seeds of each model (paired by seed), and one SOS run with an "
        "entropy constraint (ΔH = 50) on Fashion-MNIST for Appendix A.")

#: [A] the long CPU run (stored under figures/extended/): the quick profile's models trained 30 epochs, so that the
#: baseline learns on its own metric. Measured (seed 0, one thread, 111 s per 30 baseline epochs): its test −ELBO
#: reached −632 nats per image on Fashion-MNIST (per-pixel Gaussian −48) and −1226 on MNIST (−984.5); at the
#: quick profile's 6 epochs it was above both. ~23 core-min per dataset (3 seeds of both models)
EXTENDED = Profile(
    name="extended", base=dataclasses.replace(QUICK.base, epochs=30), datasets=("fashion-mnist", "mnist"),
    seeds=(0, 1, 2),
    why="Fashion-MNIST and MNIST as in the quick profile (10k images, the MLP, latent 16, rank 10), trained 30 epochs "
        "(2 mean-only) so that the baseline learns; three seeds of each model; Appendix A's entropy run is the quick "
        "profile's.")

#: [P] latent 128, rank 25, ε_KL = 45 (CelebA); [C] Adam 1e-4; [Q] 64 x 64, ~50 epochs, batch 64
CELEBA_FULL = dict(arch="resnet", n_train=162_770, n_test=10_000, zdim=128, rank=25, kl_target=45.0, lr=1e-4,
                   epochs=50, pretrain_epochs=5, n_generated=10_000, fd_features="inception")

FULL = Profile(
    name="full", base=Config(epochs=50, pretrain_epochs=5, n_train=60_000, n_test=10_000, zdim=128, rank=25,
                             kl_target=45.0, fd_features="inception"),
    datasets=("celeba", "fashion-mnist", "mnist"), seeds=(0, 1, 2), entropy_targets=(50.0,),
    changes={"celeba": CELEBA_FULL},
    why="The paper's setting: CelebA 64 x 64 RGB (all 162,770 training images; the paper used 218 x 178) with the "
        "authors' conv ResNet (one halving), latent 128, rank 25, ε_KL = 45 [P], Adam 1e-4 [C], 50 epochs, Inception "
        "FID of 10,000 means and samples; and Fashion-MNIST and MNIST with all 60k images and the MLP at latent 128, "
        "rank 25. Three seeds each. A GPU job: CelebA needs its download (not among the offline copies).")

PROFILES = {"quick": QUICK, "extended": EXTENDED, "full": FULL}

#: [A] smoke sizes: every dataset, model and evaluation of a profile in seconds (numbers meaningless)
SMOKE_CHANGES = dict(n_train=256, n_test=64, epochs=2, pretrain_epochs=1, n_generated=64, width=8, zdim=16, rank=5)


def smoke_profile(profile: Profile) -> Profile:
    changes = {ds: {k: v for k, v in c.items() if k not in SMOKE_CHANGES} for ds, c in profile.changes.items()}
    return dataclasses.replace(profile, name=f"{profile.name} (smoke)",
                               base=dataclasses.replace(profile.base, **SMOKE_CHANGES), changes=changes)


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

    def config(self, dataset: str) -> Config:
        """The dataset's settings (its seed-0 SOS config)."""
        return self.runs[(dataset, "low_rank")][0]


def make_plan(profile: str = "quick", datasets=None, seeds=None, overrides: dict | None = None,
              smoke: bool = False) -> Plan:
    """Validate the notebook's parameters and list its runs. Raises before any training."""
    prof = pick_profile(PROFILES, profile, smoke, smoke_profile)
    overrides = config_overrides(overrides, Config)
    base = dataclasses.replace(prof.base, **overrides).validate()
    datasets = known(as_list(datasets, "datasets") or prof.datasets, DATASETS, "dataset")
    seeds = positive_seeds(prof.seeds if seeds is None else as_list(seeds, "seeds"))

    def config(ds, observation, seed, entropy_target):
        changes = {k: v for k, v in prof.changes.get(ds, {}).items() if k not in overrides}
        return dataclasses.replace(base, **changes, dataset=ds, observation=observation, seed=seed,
                                   entropy_target=entropy_target).validate()

    runs = {(ds, o): tuple(config(ds, o, s, None if o == "diagonal" else base.entropy_target) for s in seeds)
            for ds in datasets for o in OBSERVATIONS}
    where = prof.entropy_dataset if prof.entropy_dataset in datasets else datasets[0]
    entropy_runs = {(where, h): config(where, "low_rank", seeds[0], h) for h in prof.entropy_targets}
    return Plan(prof, base, runs, entropy_runs)


def without(plan: Plan, datasets) -> Plan:
    """The plan minus the runs of `datasets` (those that cannot be loaded here)."""
    drop = set(datasets)
    return dataclasses.replace(plan, runs={k: v for k, v in plan.runs.items() if k[0] not in drop},
                               entropy_runs={k: v for k, v in plan.entropy_runs.items() if k[0] not in drop})


def missing_datasets(plan: Plan) -> dict:
    """dataset -> why it cannot be loaded here (offline, not downloaded), for the plan's datasets."""
    out = {}
    for ds in plan.datasets():
        try:
            if ds == "celeba":
                load_celeba("train", limit=1)
                load_celeba("test", limit=1)
            else:
                _labelled(ds, "train", str(data_root()))
                _labelled(ds, "test", str(data_root()))
        except DatasetMissing as err:
            out[ds] = str(err)
    return out


def _cost(config: Config) -> float:
    pixels = IMAGE_SHAPES[config.dataset]
    per_image = (20.0 if config.arch == "resnet" else 1.0) * pixels[0] * pixels[1] * pixels[2] / 784
    return config.epochs * config.n_train * per_image * (2.3 if config.observation == "low_rank" else 1.0)


def run_plan(plan: Plan, device="auto", jobs: int = 1, cache: ResultCache | None = None,
             progress: bool = True) -> dict:
    """The Fréchet features first (a classifier per dataset, trained once), then every run (the
    costliest first)."""
    cache = cache or ResultCache()
    for ds in plan.datasets():
        feature_function(plan.config(ds), cache, progress)
    return run_configs(plan.all_runs, run_one, device, jobs, cache, progress, _cost)
