"""Datasets: the four 2D toy densities of Soft-IntroVAE (spec soft_introvae §2.1) and the image
datasets (MNIST, Fashion-MNIST, CIFAR-10, SVHN, and CelebA cropped to 64 x 64).

Toy recipes are the official code's [C]; the paper only names the datasets. Fresh samples are
drawn for every batch, so there is no fixed training set. Sampling is done with torch on the
target device, so a training step never copies data from the host.

Image datasets live under `data_root()` ($COMPANION_DATA, else `data/`). A missing one is fetched
by torchvision's own downloader, which checks every file's MD5, unless $COMPANION_DOWNLOAD is
0/false/no/off; when it cannot be had, `DatasetMissing` says which files belong where.
"""

from __future__ import annotations

import math
import os
from http.client import HTTPException
from pathlib import Path

import torch

from ..paths import DATA_ENV, data_root

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


# --------------------------------------------------------------------------- image datasets

DOWNLOAD_ENV = "COMPANION_DOWNLOAD"
_OFF = {"0", "false", "no", "off"}


def downloads_enabled() -> bool:
    """True unless $COMPANION_DOWNLOAD is 0, false, no or off (any case): missing datasets are
    downloaded by default."""
    return os.environ.get(DOWNLOAD_ENV, "").strip().lower() not in _OFF


class DatasetMissing(FileNotFoundError):
    """An image dataset is not under the data root and could not be downloaded."""


#: Datasets torchvision reads and downloads: name -> (torchvision class, sub-folder of the data
#: root it is given; MNIST and Fashion-MNIST add `<class>/raw` themselves).
_TORCHVISION = {"mnist": ("MNIST", ""), "fashion-mnist": ("FashionMNIST", ""),
                "cifar10": ("CIFAR10", "cifar10"), "svhn": ("SVHN", "svhn")}
_GREY = ("mnist", "fashion-mnist")
#: Image-folder datasets: name -> folder under the data root with `<split>/<class>/*.png`.
IMAGE_FOLDERS = {"cifar10": "cifar10_png", "svhn": "svhn_png"}
IMAGE_DATASETS = ("mnist", "fashion-mnist", "cifar10", "svhn", "celeba")


def _archives(cls, root: Path, split: str) -> tuple[Path, list[tuple[str, str]]]:
    """The folder torchvision keeps the downloaded files in, and their (name, MD5) pairs."""
    if hasattr(cls, "resources"):  # MNIST, Fashion-MNIST: the four IDX .gz files
        return root / cls.__name__ / "raw", list(cls.resources)
    if hasattr(cls, "tgz_md5"):  # CIFAR-10: one archive, unpacked next to itself
        return root, [(cls.filename, cls.tgz_md5)]
    _, filename, md5 = cls.split_list[split]  # SVHN: one .mat file per split
    return root, [(filename, md5)]


def _why_not(download: bool | None, err: Exception | None) -> str:
    if err is not None:
        return f"could not be downloaded ({' '.join(str(err).split())[:300]})"
    if download is False:
        return "download=False was passed"
    return (f"downloads are off ({DOWNLOAD_ENV}={os.environ.get(DOWNLOAD_ENV)} is set; unset it or "
            f"pass download=True to fetch it)")


def _missing(name: str, split: str, root: Path, folder: Path, files: list[str], why: str,
             png: Path | None = None) -> DatasetMissing:
    """The error for an absent dataset: where it was looked for, which files go where, and how."""
    pngs = f" nor as PNGs in {png}" if png else ""
    by_hand = f"; or put the images in {png}/<class>/*.png" if png else ""
    layout = f"{folder.relative_to(root)}/" + (f" (or {png.relative_to(root)}/<class>/)" if png else "")
    return DatasetMissing(
        f"{name} ({split}) is not in {folder}{pngs}, and {why}. Expected file(s) in {folder}: "
        f"{', '.join(files)}. Get them in one of these ways: run once with internet access "
        f"(torchvision downloads them there and checks their MD5); or download these files from the "
        f"dataset's site and place them in {folder} by hand (torchvision checks their MD5 and "
        f"unpacks archives){by_hand}; or set {DATA_ENV} to a folder that already holds them as "
        f"{layout} (the data root now is {root}).")


def _placed_by_hand(folder: Path, archives) -> bool:
    """Whether every archive is in `folder` with torchvision's MD5 (unpacking them needs no network)."""
    from torchvision.datasets.utils import check_integrity

    return all(check_integrity(str(folder / f), md5) for f, md5 in archives)


def _torchvision(name: str, split: str, root: Path, download: bool | None, png: Path | None = None):
    """Open the torchvision dataset under `root`, downloading it when allowed. Files already present
    are used as they are (torchvision checks them; archives placed by hand are only unpacked)."""
    from torchvision import datasets

    cls_name, sub = _TORCHVISION[name]
    cls = getattr(datasets, cls_name)
    tv_root = root / sub if sub else root
    folder, archives = _archives(cls, tv_root, split)
    allowed = downloads_enabled() if download is None else download
    kwargs = {"split": split} if name == "svhn" else {"train": split == "train"}
    files = [f for f, _ in archives]
    try:
        return cls(str(tv_root), download=False, **kwargs)
    except RuntimeError as err:  # torchvision: "Dataset not found or corrupted"
        if not allowed and not _placed_by_hand(folder, archives):
            raise _missing(name, split, root, folder, files, _why_not(download, None), png) from err
    try:  # downloads only what is absent or fails its MD5
        return cls(str(tv_root), download=True, **kwargs)
    except (RuntimeError, OSError, HTTPException) as err:  # no network, refused, corrupted
        raise _missing(name, split, root, folder, files, _why_not(download, err), png) from err


def load_images(name: str, split: str = "train", root: str | Path | None = None,
                download: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST or Fashion-MNIST as (images float32 in [0, 1], shape [N, 1, 28, 28]; labels [N]).

    Read through torchvision from `root` (default: `data_root()`), converted in one tensor
    operation rather than image by image. Missing files are downloaded when `download` is True,
    or when it is None and `downloads_enabled()`; otherwise DatasetMissing says what to put where.
    """
    if name not in _GREY:
        raise ValueError(f"unknown image dataset {name!r}; choose one of {', '.join(_GREY)}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = Path(root) if root is not None else data_root()
    ds = _torchvision(name, split, root, download)
    images = ds.data.unsqueeze(1).float().div_(255.0)
    return images, ds.targets.clone()


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
    classes; other names keep ImageFolder's sorted order. Nothing is downloaded here.
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
            f"{folder_name}/{split}/<class>/*.png (the data root now is {root}).")
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


def _torchvision_rgb(name: str, split: str, root: Path, download: bool | None = None):
    """CIFAR-10 or SVHN through torchvision (under `<root>/cifar10`, `<root>/svhn`), as
    (images float32 in [0, 1], [N, 3, 32, 32]; labels)."""
    ds = _torchvision(name, split, root, download, png=root / IMAGE_FOLDERS[name] / split)
    data = torch.as_tensor(ds.data)
    if name == "cifar10":  # stored [N, H, W, C]; SVHN is already [N, C, H, W]
        data = data.permute(0, 3, 1, 2)
    labels = torch.as_tensor(ds.labels if name == "svhn" else ds.targets)
    return data.float().div_(255.0).contiguous(), labels


#: CelebA's face crop: the 148 x 148 box with its top-left corner at (top 40, left 15) of the
#: 178 x 218 aligned images, then resized [selfVAE and dpVAE authors' code].
CELEBA_CROP = (40, 15, 148, 148)
#: list_eval_partition.txt's split numbers
CELEBA_SPLITS = {"train": 0, "valid": 1, "test": 2}


def celeba_partition(folder: Path, split: str) -> list[str]:
    """The image file names of `split` listed in `<folder>/list_eval_partition.txt`."""
    if split not in CELEBA_SPLITS:
        raise ValueError(f"unknown CelebA split {split!r}; choose one of {', '.join(CELEBA_SPLITS)}")
    wanted = str(CELEBA_SPLITS[split])
    lines = (folder / "list_eval_partition.txt").read_text().split("\n")
    return [name for name, part in (ln.split() for ln in lines if ln.strip()) if part == wanted]


def load_celeba(split: str = "train", root: str | Path | None = None, size: int = 64,
                limit: int | None = None, download: bool | None = None) -> torch.Tensor:
    """CelebA's aligned faces, cropped (`CELEBA_CROP`) and resized to size x size, as float32 in
    [0, 1], [N, 3, size, size], in the order of the official partition file.

    Reads torchvision's layout `<root>/celeba/img_align_celeba/*.jpg` with
    `<root>/celeba/list_eval_partition.txt`; when they are absent and downloads are allowed,
    torchvision fetches them (from Google Drive, which rate-limits), otherwise DatasetMissing
    says what to put where. 202,599 JPEGs decode in a few minutes on one core; `limit` keeps the
    first N of the split.
    """
    import numpy as np
    from PIL import Image

    root = Path(root) if root is not None else data_root()
    folder = root / "celeba"
    images, listing = folder / "img_align_celeba", folder / "list_eval_partition.txt"
    if not (images.is_dir() and listing.exists()):
        allowed = downloads_enabled() if download is None else download
        err = None
        if allowed:
            try:
                from torchvision import datasets

                datasets.CelebA(str(root), split="all", target_type=[], download=True)
            except (RuntimeError, OSError, HTTPException, ValueError) as e:  # no network, quota, bad file
                err = e
        if not (images.is_dir() and listing.exists()):
            why = (_why_not(download, err) if err is not None or not allowed
                   else "torchvision's download did not produce them")
            raise DatasetMissing(
                f"celeba ({split}) is not in {folder}, and {why}. Expected: {images}/<000001.jpg ...> "
                f"(the aligned and cropped faces, img_align_celeba.zip unpacked) and {listing}. Get "
                f"them from the CelebA site (Large-scale CelebFaces Attributes) or with "
                f"torchvision.datasets.CelebA(root, download=True), or set {DATA_ENV} to a folder that "
                f"holds celeba/ (the data root now is {root}).")
    names = celeba_partition(folder, split)[:limit] if limit else celeba_partition(folder, split)
    if not names:
        raise DatasetMissing(f"{listing} lists no image of the {split} split")
    top, left, h, w = CELEBA_CROP
    resample = Image.Resampling.BILINEAR

    def one(name: str) -> np.ndarray:
        with Image.open(images / name) as im:
            return np.asarray(im.convert("RGB").crop((left, top, left + w, top + h)).resize((size, size), resample))

    pixels = np.stack([one(n) for n in names])  # JPEG decoding is per file by nature
    return torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div_(255.0).contiguous()


def load_dataset(name: str, split: str = "test", root: str | Path | None = None,
                 limit: int | None = None, download: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Any image dataset of the companion as (images float32 in [0, 1], [N, C, H, W]; labels).

    MNIST and Fashion-MNIST come through torchvision. CIFAR-10 and SVHN come from the image-folder
    layout `<root>/<name>_png/<split>/<class>/*.png` when it exists (the offline subsets, or
    images a user put there), otherwise from torchvision (`<root>/cifar10`, `<root>/svhn`),
    downloaded there when `download` is True, or None and `downloads_enabled()`. CelebA comes
    through `load_celeba` (64 x 64 crops, labels -1). `limit` keeps the first N images.
    """
    if name not in IMAGE_DATASETS:
        raise ValueError(f"unknown image dataset {name!r}; choose one of {', '.join(IMAGE_DATASETS)}")
    root = Path(root) if root is not None else data_root()
    if name == "celeba":  # no class labels: the labels are -1
        x = load_celeba("valid" if split == "val" else split, root, limit=limit, download=download)
        y = torch.full((len(x),), -1, dtype=torch.long)
    elif name in _GREY:
        x, y = load_images(name, split, root, download)
    elif (root / IMAGE_FOLDERS[name] / split).is_dir():
        x, y, _ = load_image_folder(name, split, root, limit)
    else:
        x, y = _torchvision_rgb(name, split, root, download)
    return (x[:limit], y[:limit]) if limit else (x, y)
