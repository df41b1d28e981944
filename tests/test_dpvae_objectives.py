"""dpVAE's objectives and model (papers/dpvae/objectives.py, model.py), each against an
independent computation: torch.distributions, a closed form, a brute-force loop, a hand-checked case."""

import math

import pytest
import torch
from torch.distributions import Bernoulli, Independent, Normal

from companion.core.flows import CouplingFlow
from companion.core.objectives import kl_normal
from companion.papers.dpvae import objectives as ob
from companion.papers.dpvae.model import (
    DecoupledVAE,
    MnistConvDecoder,
    MnistConvEncoder,
    MoonsDecoder,
    MoonsEncoder,
    make_step,
)


def bent_flow(dim=2, value=0.3, seed=0):
    """A flow that is not the identity: random last layers."""
    torch.manual_seed(seed)
    flow = CouplingFlow(dim, blocks=4, hidden=16)
    with torch.no_grad():
        for block in flow.blocks:                       # the last layer of both s and t nets
            block.weights[-1].normal_(0, value)
            block.biases[-1].normal_(0, value)
    return flow


def posterior(batch=6, dim=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, dim, generator=g)
    logvar = torch.randn(batch, dim, generator=g) * 0.5 - 1
    z = mu + (0.5 * logvar).exp() * torch.randn(batch, dim, generator=g)
    return mu, logvar, z


def test_decoupled_kl_is_log_q_minus_log_prior_at_the_draw():
    mu, logvar, z = posterior()
    flow = bent_flow()
    # the posterior's log-density in expectation (minus its entropy), the prior's at the draw
    neg_entropy = -Independent(Normal(mu, (0.5 * logvar).exp()), 1).entropy()
    expected = neg_entropy - flow.log_prob(z)
    torch.testing.assert_close(ob.kl_decoupled(mu, logvar, z, flow), expected, rtol=1e-5, atol=1e-5)
    assert (ob.kl_decoupled(mu, logvar, z, flow) - ob.kl_decoupled(mu, logvar, z, CouplingFlow(2))).abs().max() > 0.01
    # the same KL from a log-prior computed once (the beta-TCVAE path)
    torch.testing.assert_close(ob.kl_from_log_prior(logvar, flow.log_prob(z)), expected, rtol=1e-5, atol=1e-5)


def test_decoupled_kl_with_the_identity_flow_is_the_standard_kl_in_expectation():
    mu, logvar, _ = posterior(batch=3)
    z = mu + (0.5 * logvar).exp() * torch.randn(200_000, *mu.shape, generator=torch.Generator().manual_seed(0))
    identity = CouplingFlow(2)
    rep = lambda t: t.expand(200_000, 3, 2).reshape(-1, 2)
    mc = ob.kl_decoupled(rep(mu), rep(logvar), z.reshape(-1, 2), identity).view(200_000, 3).mean(0)
    torch.testing.assert_close(mc, kl_normal(mu, logvar), atol=0.02, rtol=0)
    assert torch.equal(ob.kl_term(mu, logvar, z[0]), kl_normal(mu, logvar))


def test_log_prior_with_and_without_the_flow():
    _, _, z = posterior()
    torch.testing.assert_close(ob.log_prior(z), Independent(Normal(torch.zeros(2), torch.ones(2)), 1).log_prob(z))
    flow = bent_flow()
    z0, logdet = flow(z)
    torch.testing.assert_close(ob.log_prior(z, flow), ob.log_standard_normal(z0) + logdet)


def test_beta_tc_terms_match_a_brute_force_loop_and_telescope():
    mu, logvar, z = posterior(batch=5, dim=3)
    n_data = 1000
    log_p = ob.log_prior(z)
    mi, tc, dimkl = ob.beta_tc_terms(z, mu, logvar, n_data, log_p)
    m = len(z)
    comps = [Normal(mu[j], (0.5 * logvar[j]).exp()) for j in range(m)]
    log_q_z, log_prod = [], []
    for i in range(m):
        per_dim = torch.stack([c.log_prob(z[i]) for c in comps])            # [M, D]
        log_q_z.append(torch.logsumexp(per_dim.sum(1), 0) - math.log(n_data * m))
        log_prod.append((torch.logsumexp(per_dim, 0) - math.log(n_data * m)).sum())
    log_q_z, log_prod = torch.stack(log_q_z), torch.stack(log_prod)
    log_qzx = torch.stack([comps[i].log_prob(z[i]).sum() for i in range(m)])
    torch.testing.assert_close(mi, (log_qzx - log_q_z).mean())
    torch.testing.assert_close(tc, (log_q_z - log_prod).mean())
    torch.testing.assert_close(dimkl, (log_prod - log_p).mean())
    torch.testing.assert_close(mi + tc + dimkl, (log_qzx - log_p).mean())
    flow = bent_flow(3)
    mi2, tc2, dimkl2 = ob.beta_tc_terms(z, mu, logvar, n_data, ob.log_prior(z, flow))
    assert mi2 == mi and tc2 == tc and not torch.isclose(dimkl2, dimkl)  # only DimKL sees the prior


def test_mmd_is_zero_for_identical_sets_and_matches_a_hand_case():
    a = torch.randn(50, 2)
    assert abs(float(ob.mmd_infovae(a, a.clone()))) < 1e-6
    one, two = torch.tensor([[0.0]]), torch.tensor([[1.0]])
    assert float(ob.mmd_infovae(one, two)) == pytest.approx(2 - 2 * math.exp(-1), rel=1e-6)
    # L = 2: k = exp(-||u - v||^2 / 4)
    u, v = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 1.0]])
    assert float(ob.mmd_infovae(u, v)) == pytest.approx(2 - 2 * math.exp(-0.5), rel=1e-6)
    assert float(ob.mmd_infovae(a, a + 3)) > 0.5


def test_capacity_rises_linearly_to_its_ceiling():
    assert ob.capacity(0, 25, 100) == 0 and ob.capacity(50, 25, 100) == 12.5
    assert ob.capacity(100, 25, 100) == 25 and ob.capacity(500, 25, 100) == 25
    with pytest.raises(ValueError, match="T_C"):
        ob.capacity(1, 25, 0)


def test_permute_dims_shuffles_each_coordinate_separately():
    z = torch.arange(200.0).view(100, 2)
    z[:, 1] += 1000
    p = ob.permute_dims(z, torch.Generator().manual_seed(0))
    for d in range(2):
        assert torch.equal(p[:, d].sort().values, z[:, d].sort().values)
    rows_kept = ((p[:, 1] - 1000 - p[:, 0]) == 1).float().mean()
    assert rows_kept < 0.1  # pairs broken apart


class Constant(torch.nn.Module):
    def __init__(self, logits):
        super().__init__()
        self.logits = torch.tensor(logits)

    def forward(self, z):
        return self.logits.expand(len(z), 2)


def test_factor_tc_and_discriminator_loss_on_a_fixed_critic():
    z = torch.zeros(4, 2)
    assert float(ob.factor_tc(torch.tensor([[2.0, 0.5], [1.0, 1.0]]))) == pytest.approx(0.75)
    loss = ob.discriminator_loss(Constant([1.0, 0.0]), z, z)
    p0 = math.exp(1) / (math.exp(1) + 1)
    assert float(loss) == pytest.approx(0.5 * (-math.log(p0) - math.log(1 - p0)), rel=1e-6)
    disc = ob.FactorDiscriminator(2, hidden=8, layers=5)
    assert disc(z).shape == (4, 2) and sum(isinstance(m, torch.nn.Linear) for m in disc.net) == 6


@pytest.mark.parametrize("flowed", [False, True])
def test_each_regulariser_on_a_hand_checked_case(flowed):
    mu, logvar, z = posterior(batch=8)
    flow = bent_flow() if flowed else None
    rec = torch.linspace(1, 2, 8)
    kl = ob.kl_term(mu, logvar, z, flow)
    run = lambda name, **kw: ob.regularized_loss(name, rec, mu, logvar, z, flow, kw.pop("params", {}), **kw)[0]
    torch.testing.assert_close(run("vae"), (rec + kl).mean())
    torch.testing.assert_close(run("beta_h", params={"beta": 4.0}), (rec + 4 * kl).mean())
    b = run("beta_b", params={"gamma": 100.0, "c_max": 25.0, "c_steps": 100}, step=20)
    torch.testing.assert_close(b, rec.mean() + 100 * (kl.mean() - 5.0).abs())
    mi, tc, dimkl = ob.beta_tc_terms(z, mu, logvar, 500, ob.log_prior(z, flow))
    torch.testing.assert_close(run("beta_tc", params={"alpha": 1.0, "beta": 6.0, "gamma": 2.0}, dataset_size=500),
                               rec.mean() + mi + 6 * tc + 2 * dimkl)
    f = run("factor", params={"gamma": 10.0}, disc=Constant([2.0, 0.5]))
    torch.testing.assert_close(f, (rec + kl).mean() + 10 * 1.5)
    draws = torch.randn(8, 2, generator=torch.Generator().manual_seed(3))
    i = run("info", params={"alpha": 0.0, "lam": 1000.0}, prior_draws=draws)
    torch.testing.assert_close(i, (rec + kl).mean() + 999 * ob.mmd_infovae(z, draws))


def test_regularised_loss_rejects_bad_input():
    mu, logvar, z = posterior()
    rec = torch.ones(6)
    with pytest.raises(ValueError, match="unknown regulariser"):
        ob.regularized_loss("dip", rec, mu, logvar, z, None, {})
    with pytest.raises(ValueError, match="discriminator"):
        ob.regularized_loss("factor", rec, mu, logvar, z, None, {"gamma": 1.0})
    with pytest.raises(ValueError, match="draws from the prior"):
        ob.regularized_loss("info", rec, mu, logvar, z, None, {"alpha": 0.0, "lam": 1.0})


def test_likelihoods_against_torch_distributions():
    x, out = torch.rand(5, 2), torch.randn(5, 2)
    gauss = DecoupledVAE(MoonsEncoder(), MoonsDecoder(), 2, "gaussian", 0.1)
    torch.testing.assert_close(gauss.neg_log_px(x, out), -Independent(Normal(out, 0.1), 1).log_prob(x))
    img = torch.rand(3, 1, 28, 28)
    logits = torch.randn(3, 1, 28, 28)
    bern = DecoupledVAE(MnistConvEncoder(), MnistConvDecoder(), 2, "bernoulli")
    expected = -Bernoulli(logits=logits, validate_args=False).log_prob(img).flatten(1).sum(1)
    torch.testing.assert_close(bern.neg_log_px(img, logits), expected)
    with pytest.raises(ValueError, match="likelihood"):
        DecoupledVAE(MoonsEncoder(), MoonsDecoder(), 2, "laplace")
    with pytest.raises(ValueError, match="sigma_x"):
        DecoupledVAE(MoonsEncoder(), MoonsDecoder(), 2, "gaussian", 0.0)


def test_the_authors_mnist_nets_have_their_shapes():
    enc, dec = MnistConvEncoder(5), MnistConvDecoder(5)
    mu, logvar = enc(torch.rand(7, 1, 28, 28))
    assert mu.shape == logvar.shape == (7, 5)
    assert dec(mu).shape == (7, 1, 28, 28)
    assert enc.net[9].in_features == 512  # 32 channels x 4 x 4 [C]


def test_the_authors_svhn_and_celeba_nets_have_their_shapes():
    from companion.papers.dpvae.model import CelebaConvDecoder, CelebaConvEncoder, SvhnConvDecoder, SvhnConvEncoder

    enc, dec = SvhnConvEncoder(32), SvhnConvDecoder(32)
    mu, logvar = enc(torch.rand(3, 3, 32, 32))
    assert mu.shape == logvar.shape == (3, 32) and dec(mu).shape == (3, 3, 32, 32)
    assert sum(isinstance(m, torch.nn.Conv2d) for m in enc.modules()) == 8  # eight convs [C]
    assert enc.net[-1].in_features == 512                                   # 32 channels x 4 x 4 [C]
    enc, dec = CelebaConvEncoder(16), CelebaConvDecoder(16)
    mu, logvar = enc(torch.rand(2, 3, 64, 64))
    assert mu.shape == (2, 16) and dec(mu).shape == (2, 3, 64, 64)
    assert enc.net[-1].in_features == 256 * 4                              # 256 x 2 x 2 [C]
    slopes = {m.negative_slope for m in enc.modules() if isinstance(m, torch.nn.LeakyReLU)}
    assert slopes == {0.2}                                                  # not the authors' slope-1 bug
    # one training step through the generic update, with the decoupled prior
    model = DecoupledVAE(SvhnConvEncoder(4), SvhnConvDecoder(4), 4, "gaussian", 0.1, CouplingFlow(4))
    step = make_step(model, "beta_h", {"beta": 2.0}, torch.optim.Adam(model.parameters(), 1e-3), 10)
    assert math.isfinite(float(step(torch.rand(4, 3, 32, 32), 0)["loss"]))


@pytest.mark.parametrize("reg", ob.REGULARIZERS)
def test_every_regulariser_trains_with_and_without_the_flow(reg):
    params = {"vae": {}, "beta_h": {"beta": 4.0}, "beta_b": {"gamma": 10.0, "c_max": 5.0, "c_steps": 30},
              "beta_tc": {"alpha": 1.0, "beta": 6.0, "gamma": 1.0}, "factor": {"gamma": 1.0},
              "info": {"alpha": 0.0, "lam": 10.0}}[reg]
    x = torch.randn(400, 2) * torch.tensor([1.0, 0.3])
    for flowed in (False, True):
        torch.manual_seed(0)
        model = DecoupledVAE(MoonsEncoder(), MoonsDecoder(), 2, "gaussian", 0.3, CouplingFlow(2) if flowed else None)
        disc = ob.FactorDiscriminator(2, 16) if reg == "factor" else None
        disc_opt = torch.optim.Adam(disc.parameters(), 1e-3) if disc else None
        before = [p.clone() for p in (disc.parameters() if disc else [])]
        step = make_step(model, reg, params, torch.optim.Adam(model.parameters(), 3e-3), len(x), disc, disc_opt)
        batch = 200 if reg == "factor" else 100
        losses = [float(step(x[(i % 2) * 200:(i % 2) * 200 + batch], i)["rec"]) for i in range(60)]
        assert all(math.isfinite(v) for v in losses)
        assert sum(losses[-10:]) < sum(losses[:10])  # the reconstruction improves
        if flowed:
            last = [p for n, p in model.flow.named_parameters() if n.endswith("weights.2")]   # s and t stacked
            assert len(last) == 6 and max(float(p.detach().abs().max()) for p in last) > 0  # zero at start
        if disc:
            assert any(not torch.equal(a, b) for a, b in zip(before, disc.parameters()))
