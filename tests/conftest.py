import os
import sys
from pathlib import Path

import pytest
import torch

from companion.paths import DATA_ENV, data_root

sys.path.insert(0, os.path.dirname(__file__))  # tests import reference_steps
torch.set_num_threads(1)

# The suite never downloads on its own (a missing dataset would otherwise be fetched from the
# internet in the middle of a test); tests of the download path opt in with monkeypatch.
os.environ.setdefault("COMPANION_DOWNLOAD", "0")

#: Offline copies the tests read, by short name -> path under $COMPANION_DATA.
OFFLINE = {"mnist": "MNIST/raw", "fashion-mnist": "FashionMNIST/raw", "cifar10": "cifar10_png/test",
           "cifar10-train": "cifar10_png/train", "svhn": "svhn_png/test"}


def missing_data(*names: str) -> str:
    """'' when $COMPANION_DATA holds every named offline copy (a key of OFFLINE or a path under
    the data root), else the reason to skip, naming COMPANION_DATA."""
    wanted = [OFFLINE.get(n, n) for n in names]
    if not os.environ.get(DATA_ENV):
        needs = f" (needs {', '.join(wanted)})" if wanted else ""
        return f"{DATA_ENV} is not set; point it at the offline datasets{needs}"
    root = data_root()
    absent = [w for w in wanted if not (root / w).exists()] or ([] if root.is_dir() else ["the folder"])
    return f"{DATA_ENV}={root} lacks {', '.join(absent)}" if absent else ""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "requires_data(*names): skip unless $COMPANION_DATA holds these offline copies "
                   "(keys of conftest.OFFLINE or paths under the data root)")


#: test files whose tests take a minute or more each (every notebook's full profile, and its first GPU
#: piece, at smoke sizes)
LONG_FIRST = ("test_full_smoke.py", "test_gpu_pieces.py")


def pytest_collection_modifyitems(config, items):
    """The long tests first (a stable sort, the same on every xdist worker): one worker starts on
    them while the other works through the short ones and then steals from the first's queue,
    so the two end together instead of one finishing on a long smoke alone."""
    items.sort(key=lambda item: item.path.name not in LONG_FIRST)


def pytest_runtest_setup(item):
    for mark in item.iter_markers("requires_data"):
        reason = missing_data(*mark.args)
        if reason:
            pytest.skip(reason)


@pytest.fixture
def offline_data(request) -> Path:
    """The data root $COMPANION_DATA with the offline copies (and those a `requires_data` marker
    names); the test is skipped when it is unset or lacks them."""
    names = [n for mark in request.node.iter_markers("requires_data") for n in mark.args]
    reason = missing_data(*names)
    if reason:
        pytest.skip(reason)
    return data_root()


def write_fake_celeba(root: Path, n: int = 5, test_from: int = 3, pattern=None) -> Path:
    """A CelebA folder in torchvision's layout under `root`: n 178 x 218 JPEGs, black outside the
    148 x 148 face box, the first `test_from` in the training split and the rest in the test split.
    The box is filled with `pattern(i)` (a [148, 148, 3] uint8 array), else with a known colour."""
    import numpy as np
    from PIL import Image

    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    lines = []
    for i in range(n):
        pixels = np.zeros((218, 178, 3), np.uint8)
        pixels[40:188, 15:163] = pattern(i) if pattern else (200, 100, 20 * i)   # the box at (top 40, left 15)
        Image.fromarray(pixels).save(folder / "img_align_celeba" / f"{i + 1:06d}.jpg", quality=100)
        lines.append(f"{i + 1:06d}.jpg {0 if i < test_from else 2}")
    (folder / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return root
