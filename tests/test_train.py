"""The training loop: history, NaN guard, seeding, device choice."""

import pytest
import torch

from companion.train import TrainingDiverged, fit, resolve_device, seed_everything


def test_history_has_one_row_per_window_with_window_means():
    values = iter(range(10))

    def step(x, i):
        return {"a": torch.tensor(float(next(values))), "b": x.sum()}

    h = fit(step, lambda i: torch.ones(2), 10, log_every=4, progress=False)
    assert list(h.step) == [3, 7, 9]
    assert list(h.a) == [1.5, 5.5, 8.5]
    assert list(h.b) == [2.0, 2.0, 2.0]


def test_nan_guard_names_the_step_and_the_bad_values():
    def step(x, i):
        return {"loss": torch.tensor(float("nan") if i == 6 else 1.0), "kl": torch.tensor(2.0)}

    with pytest.raises(TrainingDiverged, match=r"step 6: loss=nan, kl=2"):
        fit(step, lambda i: None, 20, log_every=5, progress=False)


def test_inf_is_caught_too():
    def step(x, i):
        return {"loss": torch.tensor(float("inf") if i == 2 else 0.0)}

    with pytest.raises(TrainingDiverged, match="step 2"):
        fit(step, lambda i: None, 3, log_every=100, progress=False)


def test_schedulers_are_stepped_every_iteration():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [3], 0.1)
    def step(x, i):
        opt.step()
        return {"l": torch.tensor(0.0)}

    fit(step, lambda i: None, 5, schedulers=[sched], progress=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_bad_iteration_count():
    with pytest.raises(ValueError, match="n_iter must be positive"):
        fit(lambda x, i: {}, lambda i: None, 0, progress=False)


def test_seed_everything_seeds_torch_numpy_random():
    import random

    import numpy as np

    seed_everything(5)
    a = (torch.rand(1).item(), np.random.rand(), random.random())
    seed_everything(5)
    assert a == (torch.rand(1).item(), np.random.rand(), random.random())


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device(None) == resolve_device("auto")


@pytest.mark.parametrize("device", ["tpu", "gpu", "CUDA", "cuda:", "cuda:x", "cpu:0", "", 0])
def test_resolve_device_rejects_unknown_names(device):
    with pytest.raises(ValueError) as err:
        resolve_device(device)
    assert str(err.value) == f"unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps"


def test_resolve_device_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    for device in ("cuda", "cuda:1", torch.device("cuda")):
        with pytest.raises(ValueError, match=r"^device 'cuda(:1)?' asked for but torch sees no CUDA GPU$"):
            resolve_device(device)


def test_resolve_device_with_one_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:0") == torch.device("cuda", 0)
    with pytest.raises(ValueError, match=r"^device 'cuda:1' asked for but torch sees 1 CUDA GPU\(s\)$"):
        resolve_device("cuda:1")


def test_resolve_device_mps_needs_the_backend(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ValueError, match="torch sees no MPS"):
        resolve_device("mps")


def test_epoch_batches_cover_every_item_once_per_epoch():
    from companion.train import EpochBatches

    batches = EpochBatches(10, 4, seed=0)
    assert batches.per_epoch == 3
    epoch1 = [batches(i) for i in range(3)]
    epoch2 = [batches(i) for i in range(3, 6)]
    assert [len(b) for b in epoch1] == [4, 4, 2]
    for epoch in (epoch1, epoch2):
        assert sorted(torch.cat(epoch).tolist()) == list(range(10))
    assert torch.cat(epoch1).tolist() != torch.cat(epoch2).tolist()  # reshuffled
    with pytest.raises(ValueError, match="positive"):
        EpochBatches(0, 4, seed=0)


def test_fused_adam_follows_the_per_tensor_adam_update():
    from companion.train import adam

    torch.manual_seed(0)
    nets = [torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 1))
            for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    fused = adam([{"params": list(nets[0][0].parameters())},
                  {"params": list(nets[0][2].parameters()), "lr": 3e-3}], 1e-2)
    plain = torch.optim.Adam([{"params": list(nets[1][0].parameters())},
                              {"params": list(nets[1][2].parameters()), "lr": 3e-3}], lr=1e-2)
    assert fused.defaults["fused"] and not plain.defaults.get("fused")
    x = torch.randn(64, 5)
    for _ in range(25):
        for net, opt in zip(nets, (fused, plain)):
            opt.zero_grad()
            net(x).pow(2).mean().backward()
            opt.step()
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_adam_is_fused_on_the_cpu_and_rejects_an_empty_parameter_list():
    from companion.train import adam

    opt = adam([torch.nn.Parameter(torch.zeros(3))], 1e-3)
    assert opt.defaults["fused"]
    with pytest.raises(ValueError):
        adam([], 1e-3)  # torch's own message: an empty parameter list
