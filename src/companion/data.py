"""Datasets: the four 2D toy densities of Soft-IntroVAE (spec soft_introvae §2.1).

The recipes are the official code's [C]; the paper only names the datasets. Fresh samples are
drawn for every batch, so there is no fixed training set. Sampling is done with torch on the
target device, so a training step never copies data from the host.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

#: Toy dataset name -> half-width of the square plotting/evaluation box [C: 2 * scale].
TOY_BOXES = {"8gaussians": 2.0, "spiral": 4.0, "checkerboard": 4.0, "rings": 4.0}
TOY_DATASETS = tuple(TOY_BOXES)

#: 8 Gaussians: per-axis std of each mode after the final division by 1.414 [C].
EIGHT_GAUSSIANS_STD = 0.02 / 1.414
EIGHT_GAUSSIANS_SCALE = 2.0 / 1.414  # radius of the ring of modes


def check_toy_name(name: str) -> str:
    """Return `name` if it is a known toy dataset, else raise a ValueError listing them."""
    if name not in TOY_BOXES:
        raise ValueError(f"unknown 2D dataset {name!r}; choose one of {', '.join(TOY_DATASETS)}")
    return name


def toy_box(name: str) -> tuple[float, float]:
    """The square box [-L, L] used for plots, histograms and the gnELBO grid [C]."""
    half = TOY_BOXES[check_toy_name(name)]
    return (-half, half)


def eight_gaussians_centres(device=None) -> torch.Tensor:
    """The 8 mode centres after the generator's division by 1.414, shape [8, 2]."""
    r = 1.0 / math.sqrt(2.0)
    base = torch.tensor(
        [(1, 0), (-1, 0), (0, 1), (0, -1), (r, r), (r, -r), (-r, r), (-r, -r)],
        dtype=torch.float32, device=device,
    )
    return base * EIGHT_GAUSSIANS_SCALE


def _uniform(n, generator, device):
    return torch.rand(n, generator=generator, device=device)


def _normal(shape, generator, device):
    return torch.randn(shape, generator=generator, device=device)


def _eight_gaussians(n, g, device):
    centres = eight_gaussians_centres(device) * 1.414  # centres before the division
    idx = torch.randint(0, 8, (n,), generator=g, device=device)
    pts = centres[idx] + 0.02 * _normal((n, 2), g, device)
    return pts / 1.414


def _spiral(n, g, device):
    if n % 2:
        raise ValueError(f"the spiral generator needs an even sample count, got {n}")
    m = n // 2
    t = torch.sqrt(_uniform(m, g, device)) * 540 * (2 * math.pi) / 360
    a = -torch.cos(t) * t + 0.5 * _uniform(m, g, device)
    b = torch.sin(t) * t + 0.5 * _uniform(m, g, device)
    arm = torch.stack([a, b], dim=1)
    pts = torch.cat([arm, -arm]) / 3
    return pts + 0.1 * _normal((n, 2), g, device)


def _checkerboard(n, g, device):
    x1 = 4 * _uniform(n, g, device) - 2
    x2 = _uniform(n, g, device) - 2 * torch.randint(0, 2, (n,), generator=g, device=device)
    x2 = x2 + torch.remainder(torch.floor(x1), 2)  # Python-style %, in {0, 1} for negative x1 too
    return 2 * torch.stack([x1, x2], dim=1)


def _rings(n, g, device):
    quarter = n // 4
    counts = (quarter, quarter, quarter, n - 3 * quarter)  # radii 1, .75, .5, .25
    circles = []
    for radius, k in zip((1.0, 0.75, 0.5, 0.25), counts):
        angle = torch.linspace(0, 2 * math.pi, k + 1, device=device)[:-1]
        circles.append(radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1))
    pts = torch.cat(circles) * 3.0
    pick = torch.randint(0, n, (n,), generator=g, device=device)  # resample with replacement [C]
    return pts[pick] + 0.08 * _normal((n, 2), g, device)


_GENERATORS = {"8gaussians": _eight_gaussians, "spiral": _spiral,
               "checkerboard": _checkerboard, "rings": _rings}


def sample_toy(name: str, n: int, *, generator: torch.Generator | None = None,
               device: str | torch.device = "cpu") -> torch.Tensor:
    """Draw `n` points of the named 2D density, shape [n, 2] (spec §2.1)."""
    check_toy_name(name)
    if n <= 0:
        raise ValueError(f"sample count must be positive, got {n}")
    return _GENERATORS[name](n, generator, torch.device(device))


# --------------------------------------------------------------------------- image data roots

DATA_ENV = "COMPANION_DATA"


def data_root() -> Path:
    """The single root of every image dataset: $COMPANION_DATA, else `data/` [A]."""
    return Path(os.environ.get(DATA_ENV, "data"))


class DatasetMissing(FileNotFoundError):
    """An image dataset is not under the data root and could not be downloaded."""


_TORCHVISION = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}


def _missing(name: str, folder: Path) -> DatasetMissing:
    return DatasetMissing(
        f"{name} was not found in {folder}. Get it in one of two ways: run with internet access "
        f"and download=True (torchvision fetches it into {folder}), or set {DATA_ENV} to a folder "
        f"that already holds it in torchvision's layout (for example ../shared/data, offline).")


def load_images(name: str, split: str = "train", root: str | Path | None = None,
                download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST or Fashion-MNIST as (images float32 in [0, 1], shape [N, 1, 28, 28]; labels [N]).

    Read through torchvision from `root` (default: `data_root()`), converted in one tensor
    operation rather than image by image.
    """
    from torchvision import datasets

    if name not in _TORCHVISION:
        raise ValueError(f"unknown image dataset {name!r}; choose one of {', '.join(_TORCHVISION)}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = Path(root) if root is not None else data_root()
    cls = getattr(datasets, _TORCHVISION[name])
    try:
        ds = cls(str(root), train=split == "train", download=download)
    except RuntimeError as err:  # torchvision: "Dataset not found"
        raise _missing(name, root / _TORCHVISION[name]) from err
    except OSError as err:  # download attempted without network
        raise _missing(name, root / _TORCHVISION[name]) from err
    images = ds.data.unsqueeze(1).float().div_(255.0)
    return images, ds.targets.clone()


#: Image-folder datasets: name -> folder under the data root with `<split>/<class>/*.png`.
IMAGE_FOLDERS = {"cifar10": "cifar10_png", "svhn": "svhn_png"}


def _official_index(sample) -> int | None:
    """The leading integer of a file name such as `123_cat.png` or `123.png`, else None."""
    digits = Path(sample[0]).stem.split("_")[0]
    return int(digits) if digits.isdigit() else None


def load_image_folder(name: str, split: str = "test", root: str | Path | None = None,
                      limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Images stored as `<root>/<folder>/<split>/<class>/*.png` (how the offline CIFAR-10 and
    SVHN copies, and user-supplied CelebA or Imagenette, are laid out).

    Returns (images float32 in [0, 1], [N, C, H, W]; labels [N]; class names). Files named by
    their index in the official release (`<index>_<class>.png`, `<index>.png`, each index once)
    come in that order, so `limit` keeps the first N images as torchvision would, not the first
    classes; other names keep ImageFolder's sorted order.
    """
    import numpy as np
    from PIL import Image
    from torchvision.datasets import ImageFolder

    folder_name = IMAGE_FOLDERS.get(name, name)
    root = Path(root) if root is not None else data_root()
    folder = root / folder_name / split
    if not folder.is_dir():
        raise DatasetMissing(
            f"{name} ({split}) was not found in {folder}. Get it in one of two ways: put the images "
            f"there as {folder}/<class>/*.png, or set {DATA_ENV} to a folder that already holds "
            f"{folder_name}/{split}/ (for example ../shared/data, offline).")
    ds = ImageFolder(str(folder))
    indices = [_official_index(s) for s in ds.samples]
    unique = None not in indices and len(set(indices)) == len(indices)
    samples = [s for _, s in sorted(zip(indices, ds.samples))] if unique else ds.samples
    samples = samples[:limit] if limit else samples
    if not samples:
        raise DatasetMissing(f"{folder} holds no images in <class>/ sub-folders")
    # PNG decoding is per file by nature; the conversion to float happens once for the stack
    pixels = np.stack([np.asarray(Image.open(path).convert("RGB")) for path, _ in samples])
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div_(255.0)
    labels = torch.tensor([label for _, label in samples])
    return images.contiguous(), labels, list(ds.classes)


#: torchvision classes and the sub-folder of the data root they download into.
_TORCHVISION_RGB = {"cifar10": ("CIFAR10", "cifar10"), "svhn": ("SVHN", "svhn")}
IMAGE_DATASETS = ("mnist", "fashion-mnist", "cifar10", "svhn")


def _torchvision_rgb(name: str, split: str, folder: Path, download: bool) -> torch.Tensor:
    from torchvision import datasets

    cls = getattr(datasets, _TORCHVISION_RGB[name][0])
    ds = (cls(str(folder), split=split, download=download) if name == "svhn"
          else cls(str(folder), train=split == "train", download=download))
    data = torch.as_tensor(ds.data)
    if name == "cifar10":  # stored [N, H, W, C]; SVHN is already [N, C, H, W]
        data = data.permute(0, 3, 1, 2)
    labels = torch.as_tensor(ds.labels if name == "svhn" else ds.targets)
    return data.float().div_(255.0).contiguous(), labels


def load_dataset(name: str, split: str = "test", root: str | Path | None = None,
                 limit: int | None = None, download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Any image dataset of the companion as (images float32 in [0, 1], [N, C, H, W]; labels).

    MNIST and Fashion-MNIST come through torchvision. CIFAR-10 and SVHN come from the image-folder
    layout `<root>/<name>_png/<split>/<class>/*.png` when it exists (the offline subsets, or
    images a user put there), otherwise from torchvision (`<root>/cifar10`, `<root>/svhn`,
    downloaded there when `download` is set). `limit` keeps the first N images.
    """
    if name not in IMAGE_DATASETS:
        raise ValueError(f"unknown image dataset {name!r}; choose one of {', '.join(IMAGE_DATASETS)}")
    root = Path(root) if root is not None else data_root()
    if name in _TORCHVISION:
        x, y = load_images(name, split, root, download)
    elif (root / IMAGE_FOLDERS[name] / split).is_dir():
        x, y, _ = load_image_folder(name, split, root, limit)
    else:
        folder = root / _TORCHVISION_RGB[name][1]
        try:
            x, y = _torchvision_rgb(name, split, folder, download)
        except (RuntimeError, OSError) as err:  # not found / no network
            raise DatasetMissing(
                f"{name} ({split}) was not found in {root / IMAGE_FOLDERS[name] / split} nor in {folder}. "
                f"Get it in one of two ways: run with internet access and download=True (torchvision "
                f"fetches it into {folder}), or put the images in {root / IMAGE_FOLDERS[name] / split}"
                f"/<class>/*.png; {DATA_ENV} sets the root (for example ../shared/data, offline)."
            ) from err
    return (x[:limit], y[:limit]) if limit else (x, y)
