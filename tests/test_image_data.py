"""Image datasets: the offline copies load with the right shapes; missing data names the folder."""

import os
from pathlib import Path

import pytest
import torch

from companion.data import DatasetMissing, load_images

SHARED = Path(os.environ.get("COMPANION_DATA", "../shared/data"))


@pytest.mark.skipif(not (SHARED / "MNIST" / "raw").exists(), reason="offline MNIST copy not present")
def test_mnist_test_split_loads_in_unit_range():
    x, y = load_images("mnist", "test", root=SHARED)
    assert x.shape == (10_000, 1, 28, 28) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert set(y.unique().tolist()) == set(range(10))


def test_missing_data_names_the_folder_and_both_remedies(tmp_path):
    with pytest.raises(DatasetMissing) as err:
        load_images("fashion-mnist", "train", root=tmp_path)
    text = str(err.value)
    assert str(tmp_path / "FashionMNIST") in text
    assert "download=True" in text and "COMPANION_DATA" in text


def test_bad_names():
    with pytest.raises(ValueError, match="unknown image dataset"):
        load_images("imagenet")
    with pytest.raises(ValueError, match="split"):
        load_images("mnist", "valid")


def _write_pngs(root, split, classes, n, size=8):
    import numpy as np
    from PIL import Image

    for c, name in enumerate(classes):
        d = root / "toyset" / split / name
        d.mkdir(parents=True)
        for i in range(n):
            Image.fromarray(np.full((size, size, 3), 40 * c + i, dtype=np.uint8)).save(d / f"{i}.png")


def test_image_folder_returns_classes_shapes_and_values(tmp_path):
    from companion.data import load_image_folder

    _write_pngs(tmp_path, "test", ["cat", "dog"], 3)
    x, y, classes = load_image_folder("toyset", "test", root=tmp_path)
    assert classes == ["cat", "dog"] and x.shape == (6, 3, 8, 8)
    assert y.tolist() == [0, 0, 0, 1, 1, 1]
    assert x[4, 0, 0, 0].item() == pytest.approx(41 / 255)
    x2, _, _ = load_image_folder("toyset", "test", root=tmp_path, limit=2)
    assert len(x2) == 2


def test_image_folder_missing_names_the_folder(tmp_path):
    from companion.data import load_image_folder

    with pytest.raises(DatasetMissing, match=str(tmp_path / "svhn_png" / "train")):
        load_image_folder("svhn", "train", root=tmp_path)


def test_image_folder_keeps_the_official_order_when_files_are_named_by_index(tmp_path):
    """`limit` must take the first images of the release, not the first classes."""
    import numpy as np
    from PIL import Image

    from companion.data import load_image_folder

    for index, cls in enumerate(["b", "a", "b", "a", "c"]):
        d = tmp_path / "toyset" / "test" / cls
        d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4, 4, 3), index, dtype=np.uint8)).save(d / f"{index}_{cls}.png")
    x, y, classes = load_image_folder("toyset", "test", root=tmp_path, limit=3)
    assert classes == ["a", "b", "c"]
    assert y.tolist() == [1, 0, 1]  # b, a, b: indices 0, 1, 2
    assert (x[:, 0, 0, 0] * 255).round().tolist() == [0.0, 1.0, 2.0]


@pytest.mark.skipif(not (SHARED / "cifar10_png" / "test").exists(), reason="offline CIFAR-10 copy not present")
def test_offline_cifar10_layout():
    from companion.data import load_image_folder

    x, y, classes = load_image_folder("cifar10", "test", root=SHARED, limit=200)
    assert x.shape == (200, 3, 32, 32) and len(classes) == 10
    assert len(y.unique()) == 10  # the first 200 of the official order hold every class


@pytest.mark.parametrize("name, folders", [("cifar10", ("cifar10_png/train", "cifar10")),
                                           ("svhn", ("svhn_png/train", "svhn"))])
def test_rgb_datasets_missing_name_both_folders_and_both_remedies(tmp_path, name, folders):
    from companion.data import load_dataset

    with pytest.raises(DatasetMissing) as err:
        load_dataset(name, "train", root=tmp_path)
    text = str(err.value)
    for f in folders:
        assert str(tmp_path / f) in text
    assert "download=True" in text and "COMPANION_DATA" in text


@pytest.mark.skipif(not (SHARED / "svhn_png" / "test").exists(), reason="offline SVHN copy not present")
def test_load_dataset_reads_every_offline_dataset_in_one_format():
    from companion.data import load_dataset

    for name, shape in [("mnist", (1, 28, 28)), ("svhn", (3, 32, 32)), ("cifar10", (3, 32, 32))]:
        x, y = load_dataset(name, "test", root=SHARED, limit=50)
        assert x.shape == (50, *shape) and y.shape == (50,) and 0 <= x.min() and x.max() <= 1
    with pytest.raises(ValueError, match="unknown image dataset"):
        load_dataset("celeba", root=SHARED)
