"""The download path end to end, without internet: torchvision's own downloader fetches the offline
MNIST `.gz` files from an HTTP server on 127.0.0.1, checks their MD5 and unpacks them; refused or
disabled downloads end in DatasetMissing."""

import gzip
import shutil
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch
from torchvision import datasets

from companion.core.data import DatasetMissing, load_dataset, load_images

GZ = [name for name, _ in datasets.MNIST.resources]
needs_mnist_gz = pytest.mark.requires_data(*[f"MNIST/raw/{name}" for name in GZ])


class _Handler(SimpleHTTPRequestHandler):
    """Serves one folder, records each requested path, stays quiet."""

    def __init__(self, *args, requested, **kwargs):
        self.requested = requested
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self.requested.append(self.path.lstrip("/"))
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    """serve(folder) -> (base URL on 127.0.0.1, list of requested file names); stopped after the test."""
    servers = []

    def start(folder):
        requested = []
        handler = partial(_Handler, directory=str(folder), requested=requested)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.handle_error = lambda *_: None  # torchvision's redirect probe hangs up mid-file
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/", requested

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def downloads_on(monkeypatch):
    monkeypatch.delenv("COMPANION_DOWNLOAD", raising=False)  # conftest turns them off for the suite


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nothing listens there once the socket is closed


@needs_mnist_gz
def test_missing_mnist_is_downloaded_checked_and_then_read_from_disk(offline_data, serve, downloads_on,
                                                                     monkeypatch, tmp_path):
    url, requested = serve(offline_data / "MNIST" / "raw")
    monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
    x, y = load_images("mnist", "train", root=tmp_path)
    assert set(requested) == set(GZ)
    assert x.shape == (60_000, 1, 28, 28) and x.dtype == torch.float32 and y.shape == (60_000,)
    assert 0.0 <= x.min() and x.max() <= 1.0 and set(y.unique().tolist()) == set(range(10))
    assert all((tmp_path / "MNIST" / "raw" / name).is_file() for name in GZ)

    before = len(requested)
    x, y = load_dataset("mnist", "test", root=tmp_path)  # present now: nothing is fetched again
    assert len(requested) == before
    assert x.shape == (10_000, 1, 28, 28) and set(y.unique().tolist()) == set(range(10))


def test_a_corrupted_download_fails_torchvisions_md5_check(serve, downloads_on, monkeypatch, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / GZ[0]).write_bytes(gzip.compress(b"not the MNIST images"))
    url, requested = serve(served)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
    with pytest.raises(DatasetMissing, match="corrupted") as err:
        load_images("mnist", "train", root=tmp_path / "data")
    assert requested[-1] == GZ[0] and "could not be downloaded" in str(err.value)


@needs_mnist_gz
def test_archives_placed_by_hand_are_unpacked_with_downloads_off(offline_data, monkeypatch, tmp_path):
    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    monkeypatch.setattr(datasets.MNIST, "mirrors", [_closed_port_url()])  # a fetch would fail
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in GZ:
        shutil.copy(offline_data / "MNIST" / "raw" / name, raw / name)
    x, _ = load_images("mnist", "test", root=tmp_path)
    assert x.shape == (10_000, 1, 28, 28)


def test_downloads_off_names_the_folder_and_the_files_and_fetches_nothing(serve, monkeypatch, tmp_path):
    monkeypatch.setenv("COMPANION_DOWNLOAD", "0")
    url, requested = serve(tmp_path)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
    with pytest.raises(DatasetMissing) as err:
        load_images("mnist", "train", root=tmp_path / "data")
    text = str(err.value)
    assert str(tmp_path / "data" / "MNIST" / "raw") in text and all(name in text for name in GZ)
    assert "COMPANION_DOWNLOAD=0 is set" in text and "COMPANION_DATA" in text and "../shared" not in text
    assert requested == []


@pytest.mark.parametrize("name", ["mnist", "cifar10", "svhn"])
def test_an_unreachable_host_gives_dataset_missing(downloads_on, monkeypatch, tmp_path, name):
    url = _closed_port_url()
    monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
    monkeypatch.setattr(datasets.CIFAR10, "url", url + datasets.CIFAR10.filename)
    test_entry = datasets.SVHN.split_list["test"]
    monkeypatch.setitem(datasets.SVHN.split_list, "test", [url + test_entry[1], *test_entry[1:]])
    with pytest.raises(DatasetMissing) as err:
        load_dataset(name, "test", root=tmp_path)
    text = str(err.value)
    assert "could not be downloaded" in text and str(tmp_path) in text and "COMPANION_DATA" in text
