"""Stand-in images for the smoke (companion.standins): every dataset of every profile can be entered
by a smoke on any machine, the real loaders read the stand-ins, and a real run refuses them."""

import importlib

import numpy as np
import pytest

from companion import runner, standins
from companion.core.data import IMAGE_DATASETS, load_dataset


@pytest.fixture(scope="module")
def from_nothing(tmp_path_factory):
    """A stand-in root built from an empty real root: every dataset generated."""
    real = tmp_path_factory.mktemp("no-data")
    dest = tmp_path_factory.mktemp("stand-ins") / "data"
    gaps = standins.stand_in_root(real, dest)
    return dest, gaps


def test_every_split_of_every_dataset_is_generated_when_nothing_is_on_disk(from_nothing):
    dest, gaps = from_nothing
    assert gaps == {name: list(standins.splits(name)) for name in IMAGE_DATASETS}
    assert standins.is_stand_in(dest) and "celeba: train, valid, test" in (dest / standins.MARKER).read_text()
    assert standins.missing_splits(dest) == {}


@pytest.mark.parametrize("name", IMAGE_DATASETS)
def test_the_real_loaders_read_the_stand_ins_with_the_datasets_shape_range_and_classes(from_nothing, name):
    dest, _ = from_nothing
    shape = {"mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32), "svhn": (3, 32, 32),
             "celeba": (3, 64, 64)}[name]
    for split in standins.splits(name):
        x, y = load_dataset(name, split, dest)
        assert tuple(x.shape[1:]) == shape and len(x) == standins.SPLIT_SIZES[split]
        assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0 and float(x.std()) > 0.05
        if name == "celeba":
            assert (y == -1).all()
        else:   # ten classes, each present
            assert sorted(set(y.tolist())) == list(range(10))


def test_stand_ins_are_the_same_on_every_call_and_differ_between_splits():
    a, la = standins.stand_in_images("svhn", "train", 16)
    b, lb = standins.stand_in_images("svhn", "train", 16)
    c, _ = standins.stand_in_images("svhn", "test", 16)
    assert np.array_equal(a, b) and np.array_equal(la, lb) and not np.array_equal(a, c)


def test_a_real_split_is_linked_and_only_the_missing_one_generated(tmp_path):
    real = tmp_path / "real"
    folder = real / "svhn_png" / "test" / "3"
    folder.mkdir(parents=True)
    from PIL import Image

    Image.fromarray(np.full((32, 32, 3), 200, np.uint8)).save(folder / "0.png")
    gaps = standins.stand_in_root(real, tmp_path / "data", names=("svhn",))
    assert gaps == {"svhn": ["train"]}
    x, y = load_dataset("svhn", "test", tmp_path / "data")
    assert len(x) == 1 and int(y[0]) == 0 and float(x.mean()) == pytest.approx(200 / 255)   # the real image


def test_a_real_run_refuses_a_data_root_of_stand_ins(from_nothing, monkeypatch):
    dest, _ = from_nothing
    monkeypatch.setenv("COMPANION_DATA", str(dest))
    with pytest.raises(ValueError, match="stand-in images"):
        runner.regenerate("quick", ["05"], echo=lambda s: None)


# every dataset of every profile, entered by the smoke: none is dropped as missing
EXPERIMENTS = {"02": "sigma_vae.mnist_sweep", "03": "dpvae.pockets_leaks", "04": "selfvae.sketch_experiment",
               "05": "soft_introvae.ood", "06": "sos_vae.structured_noise"}


@pytest.mark.parametrize("number", sorted(EXPERIMENTS))
def test_no_dataset_of_any_profile_is_skipped_by_the_smoke(number, from_nothing, monkeypatch):
    dest, _ = from_nothing
    monkeypatch.setenv("COMPANION_DATA", str(dest))
    module = importlib.import_module(f"companion.papers.{EXPERIMENTS[number]}")
    for profile in module.PROFILES:
        plan = module.make_plan(profile, smoke=True)
        if hasattr(module, "missing_datasets"):
            assert module.missing_datasets(plan) == {}, (number, profile)
        if hasattr(plan, "skipped"):
            assert plan.skipped == {}, (number, profile)
