"""Stand-in images for the smoke runs: every dataset of every profile, on any machine.

A smoke run (`companion run NN --smoke`, `make smoke`, the test suite's full smokes) checks code
paths, not numbers. When a dataset is not on disk (SVHN's training split and CelebA are not among
the offline copies), the smoke would otherwise drop it from the plan and never enter its loading,
training, evaluation, figures and claims. `stand_in_root` builds a data folder for the smoke: the
real data root's entries linked in, and for each dataset split that cannot be loaded, images
generated from a fixed seed in the layout the real loader reads (the right size, channels, value
range and class count), so the real loading code runs on them.

A stand-in can never reach a real run: the folder carries `MARKER`, `companion.runner` builds it
only for a smoke and refuses to run any profile at its real sizes on a data root that holds the
marker, and every smoke announces which datasets are stand-ins. Their numbers mean nothing (a
smoke decides no claim on any data).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .core.data import IMAGE_DATASETS, IMAGE_FOLDERS, DatasetMissing, load_dataset

#: the file that marks a folder of stand-in images (its text lists them)
MARKER = "STAND-IN-DATA.txt"
#: [A] images per split: enough for every smoke size (03's 600 training images the largest)
SPLIT_SIZES = {"train": 640, "valid": 160, "test": 640}
#: what the real datasets look like: (channels, height, width, classes)
SHAPES = {"mnist": (1, 28, 28, 10), "fashion-mnist": (1, 28, 28, 10), "cifar10": (3, 32, 32, 10),
          "svhn": (3, 32, 32, 10), "celeba": (3, 218, 178, 0)}
#: the top-level folder of each dataset under a data root (the layout its real loader reads)
FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": IMAGE_FOLDERS["cifar10"],
           "svhn": IMAGE_FOLDERS["svhn"], "celeba": "celeba"}
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
#: [A] the generator's seed: the same stand-ins on every machine
SEED = 20_261_206


def splits(name: str) -> tuple[str, ...]:
    return ("train", "valid", "test") if name == "celeba" else ("train", "test")


def missing_splits(root: Path, names=IMAGE_DATASETS) -> dict[str, list[str]]:
    """dataset -> its splits that cannot be loaded from `root` (nothing is downloaded)."""
    out: dict[str, list[str]] = {}
    for name in names:
        for split in splits(name):
            try:
                load_dataset(name, split, root, limit=1, download=False)
            except DatasetMissing:
                out.setdefault(name, []).append(split)
    return out


def is_stand_in(root: Path) -> bool:
    return (Path(root) / MARKER).exists()


def stand_in_images(name: str, split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images [n, H, W, C], labels [n]) for `name`'s `split`: per class a smooth pattern of
    its own (a tilted sinusoid and a blob, so that a classifier and an autoencoder have something to
    fit) plus pixel noise, every value in 0..255, from the fixed `SEED`."""
    c, h, w, classes = SHAPES[name]
    n = n or SPLIT_SIZES[split]
    rng = np.random.default_rng([SEED, IMAGE_DATASETS.index(name), ("train", "valid", "test").index(split)])
    labels = rng.integers(0, max(classes, 1), n)
    yy, xx = np.meshgrid(np.linspace(0, 1, h), np.linspace(0, 1, w), indexing="ij")
    k = labels[:, None, None].astype(float)
    angle = np.pi * k / max(classes, 1) + rng.normal(0, 0.1, (n, 1, 1))
    wave = np.sin(2 * np.pi * (2 + k % 3) * (np.cos(angle) * xx + np.sin(angle) * yy))
    cy, cx = rng.uniform(0.3, 0.7, (2, n, 1, 1))
    blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 0.02)
    grey = 0.35 + 0.25 * wave + 0.4 * blob
    tint = rng.uniform(0.6, 1.0, (n, 1, 1, c))
    pixels = grey[..., None] * tint + rng.normal(0, 0.05, (n, h, w, c))
    return (np.clip(pixels, 0, 1) * 255).round().astype(np.uint8), labels


def _write_idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed IDX file (MNIST's format): magic 0x0000 08 <ndim>, big-endian sizes, bytes."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def _write(root: Path, name: str, split: str) -> None:
    from PIL import Image

    images, labels = stand_in_images(name, split)
    if name in ("mnist", "fashion-mnist"):
        raw = root / FOLDERS[name] / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        prefix = "train" if split == "train" else "t10k"
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images[..., 0])
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    elif name == "celeba":
        folder = root / "celeba" / "img_align_celeba"
        folder.mkdir(parents=True, exist_ok=True)
        listing = root / "celeba" / "list_eval_partition.txt"
        start = sum(SPLIT_SIZES[s] for s in ("train", "valid", "test")[: ("train", "valid", "test").index(split)])
        lines = []
        for i, img in enumerate(images, start + 1):
            Image.fromarray(img).save(folder / f"{i:06d}.jpg", quality=90)
            lines.append(f"{i:06d}.jpg {('train', 'valid', 'test').index(split)}")
        with listing.open("a") as f:
            f.write("\n".join(lines) + "\n")
    else:
        folder = root / FOLDERS[name] / split
        names = CIFAR10_CLASSES if name == "cifar10" else tuple(str(d) for d in range(10))
        for i, (img, label) in enumerate(zip(images, labels)):
            target = folder / names[label]
            target.mkdir(parents=True, exist_ok=True)
            stem = f"{i}_{names[label]}" if name == "cifar10" else f"{i}"
            Image.fromarray(img).save(target / f"{stem}.png")


def _link_real(real: Path, dest: Path, gaps: dict[str, list[str]]) -> None:
    """Link the real root's entries into `dest`; a folder that some stand-in split must be written
    into (e.g. svhn_png, whose test split is real and training split is not) is re-made as a
    folder of links one level down."""
    partial = {FOLDERS[n] for n in gaps}
    if not real.is_dir():
        return
    for entry in real.iterdir():
        target = dest / entry.name
        if entry.name in partial and entry.is_dir():
            target.mkdir(exist_ok=True)
            for sub in entry.iterdir():
                (target / sub.name).symlink_to(sub.resolve())
        else:
            target.symlink_to(entry.resolve())


def stand_in_root(real: Path, dest: Path, names=IMAGE_DATASETS) -> dict[str, list[str]]:
    """Build the smoke's data root in `dest` (empty or new): `real`'s data linked in, and stand-in
    images for every split of `names` that cannot be loaded from `real`. Returns what was generated
    (dataset -> splits); `dest/MARKER` says the same in words."""
    real, dest = Path(real), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise ValueError(f"{dest} is not empty: a stand-in root is built in a new folder")
    gaps = missing_splits(real, names)
    _link_real(real, dest, gaps)
    for name, gone in gaps.items():
        for split in gone:
            if name == "celeba" and split != gone[0]:
                continue   # CelebA's splits are one folder and one listing: all written together below
            for s in (splits(name) if name == "celeba" else (split,)):
                _write(dest, name, s)
    (dest / MARKER).write_text(
        "Stand-in images for smoke runs only (generated from a fixed seed by companion.standins; never a real "
        "run's data):\n" + "".join(f"  {n}: {', '.join(s)}\n" for n, s in gaps.items()) + f"Real data: {real}\n")
    return gaps


def describe(gaps: dict[str, list[str]]) -> str:
    if not gaps:
        return "every dataset is on disk: no stand-in images"
    return "stand-in images (generated, smoke only) for " + "; ".join(f"{n} ({', '.join(s)})" for n, s in gaps.items())


def refuse_stand_ins(root: Path | None = None) -> None:
    """Raise when the data root (default $COMPANION_DATA's) holds stand-in images: only a smoke may
    read them."""
    from .paths import DATA_ENV, data_root

    root = Path(root) if root is not None else data_root()
    if is_stand_in(root):
        raise ValueError(f"the data root {root} holds stand-in images ({MARKER}): they are for smoke runs only. "
                         f"Point {DATA_ENV} at the real data (now {os.environ.get(DATA_ENV)!r}).")
