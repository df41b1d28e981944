"""Image datasets: the offline copies load with the right shapes; missing data names the folder."""

import pytest
import torch

from companion.core.data import DatasetMissing, downloads_enabled, load_images


@pytest.mark.requires_data("mnist")
def test_mnist_test_split_loads_in_unit_range(offline_data):
    x, y = load_images("mnist", "test", root=offline_data)
    assert x.shape == (10_000, 1, 28, 28) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert set(y.unique().tolist()) == set(range(10))


def test_missing_data_names_the_folder_the_files_and_the_remedies(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    with pytest.raises(DatasetMissing) as err:
        load_images("fashion-mnist", "train", root=tmp_path)
    text = str(err.value)
    assert str(tmp_path / "FashionMNIST" / "raw") in text and "train-images-idx3-ubyte.gz" in text
    assert "COMPANION_DOWNLOAD=0 is set" in text and "COMPANION_DATA" in text
    assert "../shared" not in text
    with pytest.raises(DatasetMissing, match="download=False was passed"):
        load_images("mnist", "test", root=tmp_path, download=False)


@pytest.mark.parametrize("value, enabled", [(None, True), ("1", True), ("yes", True), ("0", False),
                                            ("false", False), ("No", False), (" OFF ", False)])
def test_downloads_are_on_unless_companion_download_turns_them_off(monkeypatch, value, enabled):
    if value is None:
        monkeypatch.delenv("COMPANION_DOWNLOAD", raising=False)
    else:
        monkeypatch.setenv("COMPANION_DOWNLOAD", value)
    assert downloads_enabled() is enabled


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
    from companion.core.data import load_image_folder

    _write_pngs(tmp_path, "test", ["cat", "dog"], 3)
    x, y, classes = load_image_folder("toyset", "test", root=tmp_path)
    assert classes == ["cat", "dog"] and x.shape == (6, 3, 8, 8)
    assert y.tolist() == [0, 0, 0, 1, 1, 1]
    assert x[4, 0, 0, 0].item() == pytest.approx(41 / 255)
    x2, _, _ = load_image_folder("toyset", "test", root=tmp_path, limit=2)
    assert len(x2) == 2


def test_image_folder_missing_names_the_folder(tmp_path):
    from companion.core.data import load_image_folder

    with pytest.raises(DatasetMissing, match=str(tmp_path / "svhn_png" / "train")):
        load_image_folder("svhn", "train", root=tmp_path)


def test_image_folder_keeps_the_official_order_when_files_are_named_by_index(tmp_path):
    """`limit` must take the first images of the release, not the first classes."""
    import numpy as np
    from PIL import Image

    from companion.core.data import load_image_folder

    for index, cls in enumerate(["b", "a", "b", "a", "c"]):
        d = tmp_path / "toyset" / "test" / cls
        d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4, 4, 3), index, dtype=np.uint8)).save(d / f"{index}_{cls}.png")
    x, y, classes = load_image_folder("toyset", "test", root=tmp_path, limit=3)
    assert classes == ["a", "b", "c"]
    assert y.tolist() == [1, 0, 1]  # b, a, b: indices 0, 1, 2
    assert (x[:, 0, 0, 0] * 255).round().tolist() == [0.0, 1.0, 2.0]


@pytest.mark.requires_data("cifar10")
def test_offline_cifar10_layout(offline_data):
    from companion.core.data import load_image_folder

    x, y, classes = load_image_folder("cifar10", "test", root=offline_data, limit=200)
    assert x.shape == (200, 3, 32, 32) and len(classes) == 10
    assert len(y.unique()) == 10  # the first 200 of the official order hold every class


@pytest.mark.parametrize("name, folders, file", [
    ("cifar10", ("cifar10_png/train", "cifar10"), "cifar-10-python.tar.gz"),
    ("svhn", ("svhn_png/train", "svhn"), "train_32x32.mat")])
def test_rgb_datasets_missing_name_both_folders_the_file_and_the_remedies(tmp_path, monkeypatch,
                                                                         name, folders, file):
    from companion.core.data import load_dataset

    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    with pytest.raises(DatasetMissing) as err:
        load_dataset(name, "train", root=tmp_path)
    text = str(err.value)
    for f in folders:
        assert str(tmp_path / f) in text
    assert file in text and "<class>/*.png" in text
    assert "COMPANION_DOWNLOAD=0 is set" in text and "COMPANION_DATA" in text and "../shared" not in text


@pytest.mark.requires_data("mnist", "svhn", "cifar10")
def test_load_dataset_reads_every_offline_dataset_in_one_format(offline_data):
    from companion.core.data import load_dataset

    for name, shape in [("mnist", (1, 28, 28)), ("svhn", (3, 32, 32)), ("cifar10", (3, 32, 32))]:
        x, y = load_dataset(name, "test", root=offline_data, limit=50)
        assert x.shape == (50, *shape) and y.shape == (50,) and 0 <= x.min() and x.max() <= 1
    with pytest.raises(ValueError, match="unknown image dataset"):
        load_dataset("imagenette", root=offline_data)


def _fake_celeba(root, n=5):
    from conftest import write_fake_celeba

    write_fake_celeba(root, n)


def test_celeba_reads_the_partition_crops_the_face_box_and_resizes(tmp_path):
    from companion.core.data import load_celeba, load_dataset

    _fake_celeba(tmp_path)
    x = load_celeba("train", root=tmp_path, size=32)
    assert x.shape == (3, 3, 32, 32) and x.dtype == torch.float32
    # only the box survives the crop: every pixel has the box's colour (JPEG rounding aside)
    torch.testing.assert_close(x[2].mean((1, 2)), torch.tensor([200, 100, 40]) / 255.0, atol=0.02, rtol=0)
    assert x[:, 0].min() > 0.7                                  # no black border came in
    test, labels = load_dataset("celeba", "test", root=tmp_path)
    assert test.shape == (2, 3, 64, 64) and (labels == -1).all()
    assert load_celeba("train", root=tmp_path, limit=2).shape[0] == 2
    with pytest.raises(ValueError, match="unknown CelebA split"):
        load_celeba("dev", root=tmp_path)


def test_missing_celeba_says_where_the_files_go(tmp_path, monkeypatch):
    from companion.core.data import load_celeba

    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    with pytest.raises(DatasetMissing) as err:
        load_celeba("train", root=tmp_path)
    text = str(err.value)
    assert str(tmp_path / "celeba" / "img_align_celeba") in text and "list_eval_partition.txt" in text
    assert "COMPANION_DOWNLOAD=0 is set" in text
