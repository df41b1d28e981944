"""Features for a Fréchet distance between generated and real images.

The papers report FID: the Fréchet distance of Inception-v3 pool features (Heusel et al. 2017).
Its weights are a download, so offline (tests, the quick profile) the companion trains a small
MLP classifier on the same images and uses its 64-d penultimate layer instead [A, spec
sigma_vae §5.1]. Numbers from it are labelled "FD (classifier features)" and are not comparable
with the paper's FID. `feature_extractor("inception")` gives the standard FID features when the
`pytorch-fid` package and its weights are available.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..cache import CachedResult, ResultCache
from ..train import EpochBatches, adam, fit, seed_everything

CLASSIFIER_LABEL = "FD (classifier features)"
INCEPTION_LABEL = "FID (Inception-v3 pool features)"


@dataclass(frozen=True)
class ClassifierConfig:
    """A 784-256-64-10 ReLU MLP ("mlp"), or a small conv net ("conv": Conv3x3(32)-ReLU-MaxPool,
    Conv3x3(64)-ReLU-MaxPool, Linear to 64 features), trained with Adam on the training images [A].
    An MLP's features barely see independent pixel noise (spec sos_vae §5: a noisy sample scored
    like its mean); the conv net's local filters do."""

    dataset: str
    n_train: int = 10_000
    epochs: int = 3
    batch_size: int = 128
    lr: float = 1e-3
    hidden: int = 256
    features: int = 64
    seed: int = 0
    kind: str = "fd-classifier"  # keeps the cache key apart from the models'
    arch: str = "mlp"


class FeatureClassifier(nn.Module):
    def __init__(self, d_in: int, hidden: int, features: int, classes: int = 10, arch: str = "mlp",
                 image_shape: tuple = (1, 28, 28)):
        super().__init__()
        if arch == "mlp":
            self.body = nn.Sequential(nn.Flatten(), nn.Linear(d_in, hidden), nn.ReLU(),
                                      nn.Linear(hidden, features), nn.ReLU())
        elif arch == "conv":
            c, h, w = image_shape
            self.body = nn.Sequential(
                nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                nn.Linear(64 * (h // 4) * (w // 4), features), nn.ReLU())
        else:
            raise ValueError(f"unknown classifier architecture {arch!r}; choose 'mlp' or 'conv'")
        self.head = nn.Linear(features, classes)

    def forward(self, x):
        return self.head(self.body(x))

    @torch.no_grad()
    def features(self, x: torch.Tensor, batch_size: int = 5000) -> np.ndarray:
        device = next(self.parameters()).device
        return torch.cat([self.body(xb.to(device)) for xb in x.split(batch_size)]).double().cpu().numpy()


def train_classifier(config: ClassifierConfig, images, labels, test_images, test_labels,
                     cache: ResultCache | None = None, progress: bool = True) -> tuple[FeatureClassifier, float]:
    """Train (or load from the cache) the feature classifier; returns it and its test accuracy."""
    cache = cache or ResultCache()
    build = lambda: FeatureClassifier(images[0].numel(), config.hidden, config.features, arch=config.arch,
                                      image_shape=tuple(images[0].shape))
    model = build()
    stored = cache.load(config)
    if stored is not None:
        model.load_state_dict(stored.state_dict)
        return model.eval(), stored.metrics["accuracy"]
    seed_everything(config.seed)
    model = build()
    x, y = images[: config.n_train], labels[: config.n_train]
    opt = adam(model.parameters(), config.lr)
    batches = EpochBatches(len(x), config.batch_size, config.seed)

    def step(idx, i):
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"loss": loss.detach()}

    history = fit(step, batches, config.epochs * batches.per_epoch, desc="FD classifier",
                  progress=progress)
    model.eval()
    with torch.no_grad():
        accuracy = float((model(test_images).argmax(1) == test_labels).float().mean())
    cache.save(config, CachedResult({k: v.clone() for k, v in model.state_dict().items()},
                                    history, {"accuracy": accuracy}, {}))
    return model, accuracy


def inception_features():
    """Standard FID features (2048-d pool3 of the FID Inception-v3) from `pytorch-fid`; raises
    RuntimeError naming the reason when the package or its weights are unavailable."""
    try:
        from pytorch_fid.inception import InceptionV3
        net = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
        if torch.cuda.is_available():  # 299 x 299 inputs: tens of thousands of images want the GPU
            net = net.cuda()
    except Exception as err:  # ImportError, or the weights download failing offline
        raise RuntimeError(f"Inception-v3 FID weights unavailable ({type(err).__name__}: {err}); "
                           "install pytorch-fid and run once with internet access") from err

    @torch.no_grad()
    def features(x: torch.Tensor, batch_size: int = 200) -> np.ndarray:
        out = []
        for xb in x.split(batch_size):
            xb = xb.expand(-1, 3, -1, -1) if xb.shape[1] == 1 else xb  # grey -> 3 channels
            out.append(net(xb.to(next(net.parameters()).device))[0].flatten(1).double().cpu())
        return torch.cat(out).numpy()

    return features


def frechet_features(wanted: str, classifier=None) -> tuple:
    """The features a Fréchet distance is computed on, as (images -> features or None, label,
    classifier accuracy or None, note). `wanted`: "inception" (FID) or "classifier";
    `classifier`: a function returning (a trained feature classifier, its test accuracy), called
    when Inception is not wanted or cannot load, or None when the dataset has no class labels to
    train one on (then there is no distance, and the note says why)."""
    note = ""
    if wanted == "inception":
        try:
            return inception_features(), INCEPTION_LABEL, None, ""
        except RuntimeError as err:
            note = str(err)
    if classifier is None:
        return None, "none", None, (f"{note or 'Inception features were not asked for'}; CelebA has no "
                                    f"class labels for a fallback classifier: no Fréchet distance")
    clf, accuracy = classifier()
    return clf.features, CLASSIFIER_LABEL, accuracy, f"{note}; fell back to classifier features." if note else ""


def describe_classifier(config: ClassifierConfig, accuracy: float) -> pd.Series:
    return pd.Series({**asdict(config), "test accuracy": round(accuracy, 3)})
