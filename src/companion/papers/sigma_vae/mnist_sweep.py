"""The sigma^2 sweep on MNIST and the method comparison of the sigma-VAE paper (notebook 02;
spec sigma_vae §2-5).

Two blocks of runs, each a frozen `Config` whose fields carry their provenance ([P] paper,
[C] authors' code — none is public for this paper —, [A] this companion's choice):

* the sweep (Table 1, Fig. 1): 2-D latent, six fixed sigma^2 and the learned one;
* the comparison (Tables 2 and 3, Figs. 3-4): 16-D latent, learned sigma^2 (stage 1 "dataset"
  and stage 2 "pixel"), VAE, beta-VAE, DIP-VAE and WAE, on MNIST and Fashion-MNIST.

`run_one(config)` trains through `train.fit`, evaluates (test ELBO, GMM q̂ and KL(q̂||p),
Fréchet distances of prior and q̂ samples, IWAE with the prior and with q̂) and caches both.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
import torch

from ...cache import ResultCache, TrainedRun, cached_run
from ...config import as_list, config_overrides, describe, known, pick_profile, positive_seeds, tagged
from ...core.aggregate_posterior import exact_aggregate_log_density, fit_gmm, kl_to_standard_normal, on_device
from ...core.data import data_root, load_images
from ...core.features import CLASSIFIER_LABEL, INCEPTION_LABEL, ClassifierConfig, inception_features, train_classifier
from ...core.likelihoods import SIGMA_MODES, GlobalVariance, pixel_variance
from ...core.metrics import frechet_distance_of_features, grid_points
from ...core.nets import image_vae_nets
from ...core.objectives import reparameterize
from ...parallel import run_configs
from ...train import EpochBatches, adam, fit, resolve_device, seed_everything
from .method import (
    OBJECTIVES,
    SigmaVAE,
    decode_mean,
    elbo_terms,
    encode,
    finish_stage_one,
    iwae_log_likelihood,
    make_step,
    start_stage_two,
)

DATASETS = ("mnist", "fashion-mnist")
IMAGE_SHAPE = (1, 28, 28)


@dataclass(frozen=True)
class Config:
    """Everything that determines one trained model and its metrics (the cache key)."""

    dataset: str = tagged("mnist", "P", "mnist or fashion-mnist (28x28, pixels in [0, 1], d = 784)")
    objective: str = tagged("gaussian", "P", "gaussian (sigma-VAE, VAE, beta-VAE), dip_vae or wae")
    sigma_mode: str = tagged("closed_form", "A", "fixed, adam (Alg. 1) or closed_form (Eq. 9)")
    sigma2: float = tagged(0.5, "P", "the fixed sigma^2 (0.5: VAE, 1: beta-VAE); unused when learned")
    lr_sigma: float = tagged(1e-2, "A", "Adam learning rate of log sigma (spec §1.4: 1e-3 is too slow)")
    stage2_epochs: int = tagged(0, "A", "epochs of stage 2 (per-pixel variance, Eq. 10) after stage 1")
    zdim: int = tagged(2, "P", "latent size (2: Table 1; 16: Table 3)")
    arch: str = tagged("mlp", "A", "mlp (784-512-256) or conv (DCGAN-style); the paper's is unknown")
    n_train: int = tagged(60_000, "P", "training images (the first n of the train split)")
    epochs: int = tagged(50, "A", "epochs of stage 1 (the paper's count is unknown)")
    batch_size: int = tagged(128, "A", "images per step")
    lr: float = tagged(1e-3, "A", "Adam learning rate of the networks")
    seed: int = tagged(0, "A", "seeds torch, numpy and random before the model is built")
    dip_lambda_od: float = tagged(10.0, "A", "DIP-VAE-I off-diagonal weight (Kumar et al. 2018)")
    dip_lambda_d: float = tagged(100.0, "A", "DIP-VAE-I diagonal weight (10 x lambda_od, Kumar et al.)")
    wae_lambda: float = tagged(10.0, "A", "WAE-MMD weight: the WAE paper's MNIST lambda = 10 (Tolstikhin "
                               "et al. 2018). Their code scales its squared-error cost by 0.05, so "
                               "against this sigma^2 = 0.5 Gaussian term (1 x SSE) their weight is 200")
    gmm_components: int = tagged(32, "P", "components of the mixture q̂ (MNIST, Fashion-MNIST)")
    kl_samples: int = tagged(10_000, "P", "Monte-Carlo samples per KL(q̂||p) estimate")
    kl_repeats: int = tagged(10, "P", "KL(q̂||p) estimates (mean ± std)")
    iwae_k: int = tagged(20, "P", "importance samples of the IWAE log-likelihood")
    iwae_images: int = tagged(500, "P", "test images of the IWAE log-likelihood")
    eval_images: int = tagged(10_000, "A", "test images for the ELBO and the Fréchet distance")
    fd_samples: int = tagged(10_000, "A", "generated images per Fréchet distance")
    fd_features: str = tagged("classifier", "A", "classifier (offline) or inception (FID, needs weights)")
    density_grid: int = tagged(200, "A", "points per axis of the Table 1 density images")
    density_box: float = tagged(4.0, "A", "half-width of the Table 1 latent plane")

    def validate(self) -> "Config":
        known((self.dataset,), DATASETS, "dataset")
        known((self.objective,), OBJECTIVES, "objective")
        if self.sigma_mode not in SIGMA_MODES:
            raise ValueError(f"unknown sigma^2 mode {self.sigma_mode!r}; choose one of "
                             f"{', '.join(SIGMA_MODES)}")
        if not self.sigma2 > 0:
            raise ValueError(f"sigma^2 must be positive, got {self.sigma2}")
        if self.objective != "gaussian" and (self.sigma_mode != "fixed" or self.stage2_epochs):
            raise ValueError(f"{self.objective} uses a fixed sigma^2 and no stage 2")
        for name in ("zdim", "n_train", "epochs", "batch_size", "gmm_components", "kl_samples",
                     "kl_repeats", "iwae_k", "iwae_images", "eval_images", "fd_samples",
                     "density_grid"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.stage2_epochs < 0 or self.lr <= 0 or self.lr_sigma <= 0:
            raise ValueError("stage2_epochs must be >= 0 and the learning rates positive")
        known((self.fd_features,), ("classifier", "inception"), "fd_features")
        known((self.arch,), ("mlp", "conv"), "arch")
        return self


def label(config: Config) -> str:
    """The name a table or plot gives this model."""
    if config.objective == "dip_vae":
        return "DIP-VAE"
    if config.objective == "wae":
        return "WAE"
    if config.sigma_mode == "fixed":
        named = {0.5: " (VAE)", 1.0: " (β-VAE)"}.get(config.sigma2, "")
        return f"σ²={config.sigma2:g}{named}"
    how = "Eq. 9" if config.sigma_mode == "closed_form" else "Adam"
    return "pixel σ² (stage 2)" if config.stage2_epochs else f"learned σ² ({how})"


def table_label(config: Config, base_epochs: int) -> str:
    """`label`, with the epoch count when a stage-1 model trained longer than the others."""
    name = label(config)
    return f"{name}, {config.epochs} epochs" if config.epochs != base_epochs else name


# ------------------------------------------------------------------------------------ profiles

@dataclass(frozen=True)
class Profile:
    """What notebook 02 runs: the base config, the sweep and the comparison block."""

    name: str
    base: Config
    sweep_sigma2: tuple       # the fixed sigma^2 of Fig. 1 (Table 1 uses 1, 0.5, 0.01)
    sweep_dataset: str
    table_datasets: tuple     # Tables 2 and 3
    table_zdim: int
    stage2_epochs: int
    seeds: tuple
    table2_seeds: dict = dataclasses.field(default_factory=dict)  # dataset -> seeds of TABLE2_METHODS
    sweep_seeds: tuple = (0,)  # seeds of the sigma^2 sweep (Table 1, Fig. 1)
    why: str = ""


FULL = Profile(
    name="full",
    base=Config(arch="conv", fd_features="inception"),
    sweep_sigma2=(1.0, 0.5, 0.1, 0.05, 0.01, 0.001), sweep_dataset="mnist",
    table_datasets=DATASETS, table_zdim=16, stage2_epochs=50, seeds=(0, 1, 2), sweep_seeds=(0, 1, 2),
    why="60k images, conv networks, 50 + 50 epochs, 3 seeds, Inception FID when its weights are "
        "available (spec §5.2). A GPU job.",
)

QUICK = Profile(
    name="quick",
    # [A] spec §5.2: the first 10k training images, MLP 512-256, batch 128, Adam 1e-3; 8 epochs per
    # stage (spec: 10; six notebooks share CI's hour, and 10 measured 635 s for the notebook)
    base=Config(arch="mlp", n_train=10_000, epochs=8, density_grid=100),
    sweep_sigma2=(1.0, 0.5, 0.1, 0.05, 0.01, 0.001), sweep_dataset="mnist",
    table_datasets=("mnist",), table_zdim=16, stage2_epochs=8, seeds=(0,),
    # [A] three seeds of the sweep and of Table 2's five methods on MNIST, for paired comparisons
    # (the gaps between them are within seed-to-seed spread); the stage-2 models at one seed.
    # Fashion-MNIST's comparison block (one seed, every claim NOT TESTED) pays for the sweep's two
    # extra seeds: it is in the full profile.
    table2_seeds={"mnist": (0, 1, 2)}, sweep_seeds=(0, 1, 2),
    why="10k MNIST training images and 8 epochs per stage on an MLP; three seeds of the sweep and of "
        "Table 2's methods, one of the stage-2 models; the Fréchet distance "
        "uses the features of a small classifier trained here (offline); Table 1's images on a "
        "100^2 grid (the exact mixture of 10k posteriors costs ~1 s per 10k grid points).",
)

EXTENDED = Profile(
    name="extended",
    # [A] the quick settings with every comparison on three seeds: both datasets' seven methods
    # (Table 2's five, the stage-2 "pixel" model and its control trained as long) and the sweep.
    base=QUICK.base,
    sweep_sigma2=QUICK.sweep_sigma2, sweep_dataset="mnist",
    table_datasets=DATASETS, table_zdim=16, stage2_epochs=8, seeds=(0, 1, 2), sweep_seeds=(0, 1, 2),
    why="The quick settings (10k training images, 8 epochs per stage, MLP) with three seeds of every model "
        "on MNIST and Fashion-MNIST: the Table 3 'pixel' claims and the Fashion-MNIST block, which the "
        "quick profile leaves out. About 20 minutes on two cores.",
)

PROFILES = {"quick": QUICK, "extended": EXTENDED, "full": FULL}

#: [A] smoke sizes: every dataset, model and evaluation of a profile in seconds (numbers meaningless)
SMOKE_CHANGES = dict(n_train=256, epochs=1, gmm_components=4, kl_samples=500, kl_repeats=2,
                     iwae_k=4, iwae_images=16, eval_images=128, fd_samples=128, density_grid=16)


def smoke_profile(profile: Profile) -> Profile:
    """`profile` at smoke sizes: one stage-2 epoch, at most three seeds."""
    keep = lambda t: tuple(t)[:3]
    return dataclasses.replace(
        profile, name=f"{profile.name} (smoke)", base=dataclasses.replace(profile.base, **SMOKE_CHANGES),
        stage2_epochs=1, seeds=keep(profile.seeds),
        table2_seeds={k: keep(v) for k, v in profile.table2_seeds.items()})

#: The comparison block: name -> changes to the base config (Tables 2 and 3). `None` stands for
#: the profile's stage-2 epochs; "epochs": None for stage-1 epochs + stage-2 epochs.
TABLE_METHODS = {
    "dataset σ²": dict(objective="gaussian", sigma_mode="closed_form"),
    "pixel σ²": dict(objective="gaussian", sigma_mode="closed_form", stage2_epochs=None),
    # [A] Table 3 control: the global sigma^2 trained as long as stage 1 + stage 2, so that
    # "pixel > dataset" is not a matter of training length
    "dataset σ² (as long)": dict(objective="gaussian", sigma_mode="closed_form", epochs=None),
    "VAE": dict(objective="gaussian", sigma_mode="fixed", sigma2=0.5),
    "β-VAE": dict(objective="gaussian", sigma_mode="fixed", sigma2=1.0),
    "DIP-VAE": dict(objective="dip_vae", sigma_mode="fixed", sigma2=0.5),
    "WAE": dict(objective="wae", sigma_mode="fixed", sigma2=0.5),
}
#: Table 2's methods: the ones sampled and scored by the Fréchet distance.
TABLE2_METHODS = ("dataset σ²", "VAE", "β-VAE", "DIP-VAE", "WAE")


@dataclass(frozen=True)
class Plan:
    profile: Profile
    base: Config
    sweep: tuple    # per seed: fixed sigma^2 configs, then learned (closed form), then learned (Adam)
    table: dict     # (dataset, method name) -> configs over seeds

    @property
    def shown_sweep(self) -> tuple:
        """The sweep of its first seed: one model per sigma^2, what the figures and per-model
        tables show (the claims use every seed)."""
        return tuple(c for c in self.sweep if c.seed == self.sweep[0].seed)

    @property
    def stage_one_runs(self) -> list[Config]:
        runs = list(self.sweep) + [c for cs in self.table.values() for c in cs]
        return [stage_one(c) for c in runs]

    @property
    def all_runs(self) -> list[Config]:
        runs = list(self.sweep) + [c for cs in self.table.values() for c in cs]
        return list(dict.fromkeys(self.stage_one_runs + runs))


def stage_one(config: Config) -> Config:
    return dataclasses.replace(config, stage2_epochs=0)


def make_plan(profile: str = "quick", dataset: str | None = None, table_datasets=None,
              seeds=None, overrides: dict | None = None, smoke: bool = False) -> Plan:
    """Validate the notebook's parameters and list its runs. Raises before any training.
    `smoke`: the profile's code paths at tiny sizes (`smoke_profile`)."""
    prof = pick_profile(PROFILES, profile, smoke, smoke_profile)
    overrides = config_overrides(overrides, Config)
    base = dataclasses.replace(prof.base, **overrides).validate()
    dataset = known((dataset or prof.sweep_dataset,), DATASETS, "dataset")[0]
    table_datasets = known(as_list(table_datasets, "table_datasets") or prof.table_datasets,
                           DATASETS, "dataset")
    given_seeds = seeds is not None
    seeds = positive_seeds(prof.seeds if seeds is None else as_list(seeds, "seeds"))
    sweep = ()
    for seed in (seeds if given_seeds else positive_seeds(prof.sweep_seeds)):
        sweep_base = dataclasses.replace(base, dataset=dataset, seed=seed)
        sweep += tuple(dataclasses.replace(sweep_base, sigma_mode="fixed", sigma2=float(s2)).validate()
                       for s2 in prof.sweep_sigma2)
        sweep += tuple(dataclasses.replace(sweep_base, sigma_mode=m).validate()
                       for m in ("closed_form", "adam"))
    table = {}
    for ds in table_datasets:
        for name, changes in TABLE_METHODS.items():
            changes = dict(changes)
            if changes.get("stage2_epochs", 0) is None:
                changes["stage2_epochs"] = prof.stage2_epochs
            if changes.get("epochs", 0) is None:
                changes["epochs"] = base.epochs + prof.stage2_epochs
            run_seeds = seeds
            if name in TABLE2_METHODS and not given_seeds:
                run_seeds = positive_seeds(prof.table2_seeds.get(ds, seeds))
            table[(ds, name)] = tuple(
                dataclasses.replace(base, dataset=ds, zdim=prof.table_zdim, seed=s, **changes).validate()
                for s in run_seeds)
    return Plan(prof, base, sweep, table)


def settings_table(config: Config) -> pd.DataFrame:
    """The config's fields with their provenance (give `plan.base` for the shared settings)."""
    return describe(config)


# ---------------------------------------------------------------------------------- data

def images(dataset: str, split: str) -> torch.Tensor:
    """The dataset's images from the data root, [N, 1, 28, 28] in [0, 1] (read once per process)."""
    return _labelled(dataset, split)[0]


def _labelled(dataset: str, split: str):
    return _load(dataset, split, str(data_root()))


@functools.lru_cache(maxsize=4)
def _load(dataset: str, split: str, root: str):
    return load_images(dataset, split, root)


#: [A] the seed of the feature classifier: one extractor per dataset for every model and seed,
#: so Fréchet distances of different seeds are comparable.
FEATURE_SEED = 0


def classifier_config(config: Config) -> ClassifierConfig:
    return ClassifierConfig(dataset=config.dataset, n_train=min(config.n_train, 10_000),
                            seed=FEATURE_SEED)


class Features(NamedTuple):
    """The Fréchet-distance feature extractor of a dataset."""

    fn: Callable          # images -> [N, F] features
    label: str            # what the tables call the distance
    note: str             # why the profile's choice was not used ("" when it was)
    accuracy: float | None  # the classifier's test accuracy (None for Inception)


def feature_function(config: Config, cache: ResultCache, progress: bool = False) -> Features:
    """Inception FID features when asked and available, otherwise the cached classifier's
    (trained on first use). The same extractor serves every seed (`FEATURE_SEED`)."""
    note = ""
    if config.fd_features == "inception":
        try:
            return Features(inception_features(), INCEPTION_LABEL, "", None)
        except RuntimeError as err:
            note = f"{err}; fell back to classifier features."
    x, y = _labelled(config.dataset, "train")
    xt, yt = _labelled(config.dataset, "test")
    clf, accuracy = train_classifier(classifier_config(config), x, y, xt, yt, cache, progress)
    return Features(clf.features, CLASSIFIER_LABEL, note, accuracy)


# ------------------------------------------------------------------------- training one model

def build_model(config: Config) -> SigmaVAE:
    encoder, decoder = image_vae_nets(config.arch, IMAGE_SHAPE, config.zdim)
    return SigmaVAE(encoder, decoder, GlobalVariance(config.sigma_mode, config.sigma2))


def _weights(config: Config) -> dict:
    if config.objective == "dip_vae":
        return dict(lambda_od=config.dip_lambda_od, lambda_d=config.dip_lambda_d)
    return dict(lam=config.wae_lambda) if config.objective == "wae" else {}


def _optimizer(model: SigmaVAE, config: Config) -> torch.optim.Adam:
    nets = [p for n, p in model.named_parameters() if not n.startswith("variance.")]
    groups = [{"params": nets, "lr": config.lr}]
    if model.variance.log_sigma is not None:
        groups.append({"params": [model.variance.log_sigma], "lr": config.lr_sigma})
    return adam(groups, config.lr)


def _fit(model, config, x, epochs, stage, progress):
    batches = EpochBatches(len(x), config.batch_size, config.seed + 100 * stage)
    step = make_step(model, _optimizer(model, config), config.objective, **_weights(config))
    history = fit(lambda idx, i: step(x[idx], i), batches, epochs * batches.per_epoch,
                  log_every=batches.per_epoch, desc=f"{label(config)} stage {stage}",
                  progress=progress)
    return history.assign(stage=stage, epoch=np.arange(1, len(history) + 1))


def train_one(config: Config, device="auto", progress: bool = True,
                stage_one_model: SigmaVAE | None = None) -> tuple[SigmaVAE, pd.DataFrame]:
    """Stage 1 (Eq. 8) for `epochs`, then sigma^2_dataset; with `stage2_epochs`, continue a
    trained stage-1 model with the per-pixel variance (Eq. 10), all of E and D trained [P Alg. 1].
    The stopping rule is a fixed epoch count (spec §1.6: the printed loop condition is inverted)."""
    config.validate()
    device = resolve_device(device)
    x = images(config.dataset, "train")[: config.n_train].to(device)
    gen = torch.Generator(device=device).manual_seed(config.seed)
    if stage_one_model is None:
        seed_everything(config.seed)
        model = build_model(config).to(device)
        history = _fit(model.train(), config, x, config.epochs, 1, progress)
        finish_stage_one(model.eval(), x, gen)
        return model, history
    seed_everything(config.seed + 1)
    model = stage_one_model.to(device)
    start_stage_two(model)
    history = _fit(model.train(), config, x, config.stage2_epochs, 2, progress)
    return model.eval(), history


class Run(TrainedRun):
    """A trained sigma-VAE with its history, metrics and the arrays the figures draw."""

    @property
    def label(self) -> str:
        return label(self.config)


@torch.no_grad()
def evaluate_one(model: SigmaVAE, config: Config, features, fd_label: str) -> tuple[dict, dict]:
    """The paper's metrics of one model (spec §1.7-1.9, §5.1) and the arrays its figures draw."""
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(20_000 + config.seed)
    x_train = images(config.dataset, "train")[: config.n_train].to(device)
    x_test = images(config.dataset, "test")[: config.eval_images].to(device)
    deterministic = config.objective == "wae"
    metrics = {"sigma2": float(model.sigma2_dataset), "fd_features": fd_label}
    if not deterministic:
        metrics.update(elbo_terms(model, x_test, generator=gen))

    mu, logvar = encode(model, x_train)
    z_agg = mu if deterministic else reparameterize(mu, logvar, gen)
    q_hat = fit_gmm(z_agg, config.gmm_components, seed=config.seed)  # EM on the CPU, float64
    metrics["kl_agg"], metrics["kl_agg_std"] = kl_to_standard_normal(
        q_hat, config.kl_samples, config.kl_repeats, seed=config.seed)

    torch.manual_seed(30_000 + config.seed)
    z_q = q_hat.sample((config.fd_samples,)).to(device)
    z_p = torch.randn(config.fd_samples, config.zdim, generator=gen, device=device)
    x_q, x_p = decode_mean(model, z_q), decode_mean(model, z_p)
    real = features(x_test[: config.fd_samples])
    metrics["fd_agg"] = frechet_distance_of_features(features(x_q), real)
    metrics["fd_prior"] = frechet_distance_of_features(features(x_p), real)

    if not deterministic:
        xi = x_test[: config.iwae_images]
        metrics["iwae_prior"] = float(iwae_log_likelihood(model, xi, config.iwae_k, generator=gen).mean())
        metrics["iwae_agg"] = float(iwae_log_likelihood(model, xi, config.iwae_k, on_device(q_hat, device),
                                                        gen).mean())

    arrays = {"samples_agg": x_q[:32].cpu().numpy(), "samples_prior": x_p[:32].cpu().numpy(),
              "gmm_weights": q_hat.mixture_distribution.probs.numpy(),
              "gmm_means": q_hat.component_distribution.loc.numpy(),
              "gmm_covariances": q_hat.component_distribution.covariance_matrix.numpy()}
    if config.zdim == 2 and not deterministic:  # Table 1's density images
        grid = grid_points((-config.density_box, config.density_box), config.density_grid, device)
        g = config.density_grid
        # float64: the narrow posteriors of small sigma^2 underflow a float32 mixture
        arrays["log_q_exact"] = exact_aggregate_log_density(
            grid.double(), mu.double(), logvar.double()).view(g, g).cpu().numpy()
        arrays["log_q_gmm"] = q_hat.log_prob(grid.cpu()).view(g, g).numpy()
    if int(model.stage) == 2:  # Figs. 3 and 4: per-pixel variance maps (Fig. 4 samples from q̂)
        xs = x_test[:8]
        mean, head = model.decoder(encode(model, xs)[0], with_variance=True)
        s_mean, s_head = model.decoder(z_q[:8], with_variance=True)
        floor = float(model.sigma2_dataset)
        arrays.update(recon_input=xs.cpu().numpy(), recon_mean=mean.cpu().numpy(),
                      recon_var=pixel_variance(head, floor).cpu().numpy(),
                      sample_mean=s_mean.cpu().numpy(),
                      sample_var=pixel_variance(s_head, floor).cpu().numpy())
    return metrics, arrays


def run_one(config: Config, device="auto", cache: ResultCache | None = None,
              progress: bool = True) -> Run:
    """Train and evaluate `config`, or load both from the cache. A stage-2 config continues
    from its stage-1 model, itself run (or loaded) through the cache."""
    cache = cache or ResultCache()

    def train_and_evaluate():
        start = time.perf_counter()
        if config.stage2_epochs:
            first = run_one(stage_one(config), device, cache, progress)
            model, history = train_one(config, device, progress, stage_one_model=first.model)
            history = pd.concat([first.history, history], ignore_index=True)
        else:
            model, history = train_one(config, device, progress)
        train_seconds = time.perf_counter() - start
        features = feature_function(config, cache)
        metrics, arrays = evaluate_one(model, config, features.fn, features.label)
        metrics.update(train_seconds=train_seconds, fd_note=features.note,
                       classifier_accuracy=features.accuracy)
        return model, history, metrics, arrays

    return cached_run(config.validate(), cache, build_model, train_and_evaluate, Run)


def _cost(config: Config) -> float:
    return config.epochs + config.stage2_epochs


def run_plan(plan: Plan, device="auto", jobs: int = 1, cache: ResultCache | None = None,
             progress: bool = True) -> dict[Config, Run]:
    """Every run of the plan: the feature classifiers first, then all stage-1 models, then the
    stage-2 models that continue them (so no worker waits on another's stage 1)."""
    cache = cache or ResultCache()
    for ds in dict.fromkeys(c.dataset for c in plan.all_runs):
        feature_function(dataclasses.replace(plan.base, dataset=ds), cache, progress)
    runs = run_configs(plan.stage_one_runs, run_one, device, jobs, cache, progress, _cost)
    runs.update(run_configs([c for c in plan.all_runs if c.stage2_epochs], run_one, device,
                            jobs, cache, progress, _cost))
    return runs


def real_floor(config: Config, cache: ResultCache | None = None) -> float:
    """Table 2's "real images" column: the Fréchet distance between real training images the
    classifier never saw and the test images (same feature extractor as the models)."""
    features = feature_function(config, cache or ResultCache()).fn
    x = images(config.dataset, "train")
    start = min(config.n_train, 10_000)
    held_out = x[start: start + config.fd_samples]
    return frechet_distance_of_features(features(held_out),
                                        features(images(config.dataset, "test")[: config.fd_samples]))
