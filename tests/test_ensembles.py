"""Batched ensembles (companion.ensembles) are exact: a member trained inside a batched run follows
the same model trained alone — same initial weights, same batches, same noise — step for step.

Checked in float64, where the batched and the single matrix products agree to rounding, on the
2D toy VAE of notebook 01 (its networks and its β-VAE objective) and on the σ-VAE's MNIST MLP with a
per-member scalar (the observation variance σ² of a sweep)."""

import math

import pytest
import torch
from torch import nn

from companion.core.objectives import kl_normal, sse
from companion.ensembles import Ensemble, train_step
from companion.papers.soft_introvae import toy2d
from companion.papers.soft_introvae.method import vae_loss

#: [A] float64 agreement after 100 Adam steps: rounding (1e-16 per operation) compounded, far below any
#: difference a wrong gradient, a shared optimizer state or a swapped batch would make (>= 1e-4 here)
TOLERANCE = 1e-10
STEPS = 100


class ToyVAEObjective(nn.Module):
    """Notebook 01's β-VAE step as a loss of (x, eps): the noise is an argument, so the member and
    its lone twin draw the same."""

    def __init__(self, model, beta_rec=1.0, beta_kl=1.0):
        super().__init__()
        self.model, self.beta_rec, self.beta_kl = model, beta_rec, beta_kl

    def forward(self, x, eps):
        mu, logvar = self.model.encoder(x)
        x_r = self.model.decoder(mu + eps * (0.5 * logvar).exp())
        return vae_loss(sse(x, x_r), kl_normal(mu, logvar), beta_rec=self.beta_rec, beta_kl=self.beta_kl)


class GaussianMLPObjective(nn.Module):
    """A 784-256-2 MLP VAE with a Gaussian decoder of fixed variance σ², given per call (a sweep's
    scalar): the σ-VAE's negative ELBO per image in nats."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 4))
        self.dec = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid())

    def forward(self, x, eps, sigma2):
        mu, logvar = self.enc(x).chunk(2, dim=-1)
        x_r = self.dec(mu + eps * (0.5 * logvar).exp())
        rec = ((x - x_r) ** 2).sum(-1) / (2 * sigma2) + 0.5 * x.shape[-1] * torch.log(2 * math.pi * sigma2)
        return (rec + kl_normal(mu, logvar)).mean()


def _toy_members(seeds):
    out = []
    for s in seeds:
        torch.manual_seed(s)
        out.append(ToyVAEObjective(toy2d.build_model(toy2d.Config(seed=s)), beta_kl=0.5).double())
    return out


def _toy_batches(seeds, steps, batch=64, zdim=2):
    """Per member its own data order and noise, from its own generator: [steps, M, batch, ...]."""
    xs, es = [], []
    for s in seeds:
        g = torch.Generator().manual_seed(1000 + s)
        xs.append(torch.stack([toy2d.sample_toy("8gaussians", batch, generator=g).double() for _ in range(steps)]))
        es.append(torch.randn(steps, batch, zdim, generator=g, dtype=torch.float64))
    return torch.stack(xs, 1), torch.stack(es, 1)


def _alone(module, batches, lr, extra=()):
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    for args in batches:
        loss = module(*args, *extra)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return module


def _max_gap(a: nn.Module, b: nn.Module) -> float:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    return max(float((sa[k] - sb[k]).abs().max()) for k in sa)


def test_a_member_of_a_batched_run_follows_the_model_trained_alone_step_for_step():
    seeds, lr = (0, 1, 2), 1e-3
    members = _toy_members(seeds)
    x, eps = _toy_batches(seeds, STEPS)
    ens = Ensemble(members)
    opt = torch.optim.Adam(ens.parameters(), lr=lr)
    for i in range(STEPS):
        train_step(ens, opt, x[i], eps[i])
    for k, s in enumerate(seeds):
        alone = _alone(_toy_members([s])[0], zip(x[:, k], eps[:, k]), lr)
        assert _max_gap(ens.member(k), alone) < TOLERANCE
        assert _max_gap(alone, _toy_members([s])[0]) > 1e-4   # it did train: the check could fail


def test_a_swapped_batch_or_a_shared_step_is_caught():
    """The negative control of the exactness test: member 1 trained alone on member 0's batches
    ends far from member 1 of the batched run."""
    seeds, lr = (0, 1), 1e-3
    x, eps = _toy_batches(seeds, 30)
    ens = Ensemble(_toy_members(seeds))
    opt = torch.optim.Adam(ens.parameters(), lr=lr)
    for i in range(30):
        train_step(ens, opt, x[i], eps[i])
    wrong = _alone(_toy_members([1])[0], zip(x[:, 0], eps[:, 0]), lr)
    assert _max_gap(ens.member(1), wrong) > 1e-4


def test_members_with_their_own_scalar_follow_their_lone_twins():
    torch.manual_seed(0)
    sigma2 = torch.tensor([1.0, 0.1, 0.01], dtype=torch.float64)
    members = []
    for s in range(3):
        torch.manual_seed(s)
        members.append(GaussianMLPObjective().double())
    g = torch.Generator().manual_seed(7)
    x = torch.rand(20, 3, 32, 784, generator=g, dtype=torch.float64)
    eps = torch.randn(20, 3, 32, 2, generator=g, dtype=torch.float64)
    ens = Ensemble(members)
    opt = torch.optim.Adam(ens.parameters(), lr=1e-3)
    for i in range(20):
        train_step(ens, opt, x[i], eps[i], sigma2)
    for k in range(3):
        torch.manual_seed(k)
        alone = _alone(GaussianMLPObjective().double(), zip(x[:, k], eps[:, k]), 1e-3, extra=(sigma2[k],))
        assert _max_gap(ens.member(k), alone) < TOLERANCE


def test_an_ensemble_refuses_members_of_different_shapes_and_hands_members_back_as_modules():
    with pytest.raises(ValueError, match="same architecture"):
        Ensemble([nn.Linear(2, 3), nn.Linear(3, 2)])
    torch.manual_seed(0)
    a, b = nn.Linear(2, 3), nn.Linear(2, 3)
    ens = Ensemble([a, b])
    assert len(ens) == 2 and torch.equal(ens.member(1).weight, b.weight) and torch.equal(ens.member(0).bias, a.bias)
    x = torch.randn(2, 5, 2)
    assert torch.allclose(ens(x), torch.stack([a(x[0]), b(x[1])]))
    with pytest.raises(IndexError):
        ens.member(2)
