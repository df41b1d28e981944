"""dpVAE latent diagnostics: each checked against an independent computation (closed-form
Gaussian KLs, torch.distributions densities, brute-force numpy, a linear-Gaussian model whose
marginal likelihood is known exactly)."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, MultivariateNormal, Normal, kl_divergence

from companion.core.flows import CouplingFlow
from companion.papers.dpvae.latent_metrics import (
    high_posterior_samples,
    importance_sampled_log_likelihood,
    knn_kl,
    leakage_scores,
    log_standard_normal,
    low_posterior_samples,
    nearest_distance,
    prior_samples,
    quantile_thresholds,
    skl_in_generation_space,
    symmetric_kl,
    to_generation_space,
)

F64 = torch.float64


def gen(seed):
    return torch.Generator().manual_seed(seed)


def mixture_log_prob(z, mu, logvar):
    """log of the equal-weight mixture of diagonal Gaussians, by torch.distributions."""
    comp = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    return MixtureSameFamily(Categorical(logits=torch.zeros(len(mu), dtype=mu.dtype)), comp).log_prob(z)


def std_normal_log_prob(z):
    return Normal(torch.zeros((), dtype=z.dtype), torch.ones((), dtype=z.dtype)).log_prob(z).sum(-1)


def perturbed_flow(dim=2, seed=0, scale=0.3):
    """A float64 coupling flow away from the identity (non-constant log-determinant)."""
    torch.manual_seed(seed)
    flow = CouplingFlow(dim, blocks=2, hidden=8).double()
    with torch.no_grad():
        for p in flow.parameters():
            p.add_(scale * torch.randn_like(p))
    return flow


def two_centre_bank(n=50, seed=0):
    """Posterior bank concentrated around (+3, 0) and (-3, 0), tiny variances."""
    g = gen(seed)
    centres = torch.tensor([[3.0, 0.0], [-3.0, 0.0]], dtype=F64).repeat_interleave(n, 0)
    mu = centres + 0.05 * torch.randn(2 * n, 2, generator=g, dtype=F64)
    return mu, torch.full_like(mu, math.log(0.01))


# ----------------------------------------------------------------------------------- knn_kl

def replicated_kl(sample_p, sample_q, reps=4, n=4000, seed=0):
    """Mean of `reps` independent estimates (std of one at n = 4000 is 0.03-0.06)."""
    g = gen(seed)
    return float(np.mean([knn_kl(sample_p(n, g), sample_q(n, g)) for _ in range(reps)]))


def test_knn_kl_of_identical_distributions_is_near_zero():
    draw = lambda n, g: torch.randn(n, 2, generator=g, dtype=F64)
    assert abs(replicated_kl(draw, draw)) < 0.05


def test_knn_kl_of_shifted_normals_in_1d():
    p = lambda n, g: torch.randn(n, 1, generator=g, dtype=F64)
    q = lambda n, g: 1.0 + torch.randn(n, 1, generator=g, dtype=F64)
    assert replicated_kl(p, q) == pytest.approx(0.5, abs=0.1)


def test_knn_kl_matches_closed_form_gaussian_kl():
    P = MultivariateNormal(torch.zeros(2, dtype=F64), torch.tensor([[1.0, 0.0], [0.0, 0.5]], dtype=F64))
    Q = MultivariateNormal(torch.tensor([0.5, 0.0], dtype=F64), torch.tensor([[1.5, 0.3], [0.3, 1.0]], dtype=F64))
    want = float(kl_divergence(P, Q))
    torch.manual_seed(0)
    got = replicated_kl(lambda n, g: P.sample((n,)), lambda n, g: Q.sample((n,)))
    assert got == pytest.approx(want, abs=0.1)
    # and the other direction, which differs
    back = replicated_kl(lambda n, g: Q.sample((n,)), lambda n, g: P.sample((n,)))
    assert back == pytest.approx(float(kl_divergence(Q, P)), abs=0.1)


def test_knn_kl_by_hand_on_a_tiny_set():
    p = torch.tensor([[0.0], [1.0], [3.0]], dtype=F64)
    q = torch.tensor([[0.5], [2.0]], dtype=F64)
    r = np.array([1.0, 1.0, 2.0])
    s = np.array([0.5, 0.5, 1.0])
    want = 1 / 3 * np.log(s / r).sum() + np.log(2 / 2)
    assert knn_kl(p, q) == pytest.approx(want, abs=1e-12)
    assert knn_kl(p, q, chunk=1, kd_tree=False) == pytest.approx(want, abs=1e-12)
    assert knn_kl(p, q, kd_tree=True) == pytest.approx(want, abs=1e-12)


def test_knn_kl_survives_duplicates():
    p = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    assert math.isfinite(knn_kl(p, torch.randn(5, 2, generator=gen(0))))


def test_knn_kl_rejects_bad_input():
    with pytest.raises(ValueError, match="different dimension"):
        knn_kl(torch.zeros(5, 2), torch.zeros(5, 3))
    with pytest.raises(ValueError, match="at least 2"):
        knn_kl(torch.zeros(1, 2), torch.zeros(5, 2))
    with pytest.raises(ValueError, match="2-D"):
        knn_kl(torch.zeros(5), torch.zeros(5))


def test_symmetric_kl_is_the_sum_of_both_directions():
    g = gen(1)
    a = torch.randn(300, 2, generator=g)
    b = 0.5 + 2 * torch.randn(400, 2, generator=g)
    assert symmetric_kl(a, b) == pytest.approx(knn_kl(a, b) + knn_kl(b, a), rel=1e-12)


def test_skl_in_generation_space_maps_by_the_flow():
    flow = perturbed_flow()
    z_q = torch.randn(600, 2, generator=gen(2), dtype=F64)
    z0 = flow(z_q[:500])[0].detach()
    reference = torch.randn(500, 2, generator=gen(3), dtype=F64)
    assert skl_in_generation_space(z_q, flow, n=500, generator=gen(3)) == pytest.approx(
        symmetric_kl(z0, reference), rel=1e-12)
    assert skl_in_generation_space(z_q, None, n=500, generator=gen(3)) == pytest.approx(
        symmetric_kl(z_q[:500], reference), rel=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        skl_in_generation_space(z_q[:1], None)


# -------------------------------------------------------------------------- prior and spaces

def test_prior_samples_and_generation_space():
    z = prior_samples(7, 3, None, gen(0), dtype=F64)
    assert torch.equal(z, torch.randn(7, 3, generator=gen(0), dtype=F64))
    z0, logdet = to_generation_space(z, None)
    assert z0 is z and torch.equal(logdet, torch.zeros(7, dtype=F64))
    flow = perturbed_flow()
    z = prior_samples(7, 2, flow, gen(0))
    torch.testing.assert_close(flow(z)[0], torch.randn(7, 2, generator=gen(0), dtype=F64))
    torch.testing.assert_close(log_standard_normal(z), std_normal_log_prob(z))


# ---------------------------------------------------------------------------- LP and HP samples

def test_low_posterior_samples_are_the_draws_least_covered_by_q():
    mu, logvar = two_centre_bank()
    z, log_q = low_posterior_samples(mu, logvar, None, n_draw=500, n_keep=100, generator=gen(5))
    draws = prior_samples(500, 2, None, gen(5), dtype=F64)
    log_q_all = mixture_log_prob(draws, mu, logvar)
    kept = (z[:, None] == draws[None]).all(-1).any(0)               # which draws were kept
    assert kept.sum() == 100 and z.shape == (100, 2)
    assert log_q_all[kept].max() < log_q_all[~kept].min()
    torch.testing.assert_close(log_q, mixture_log_prob(z, mu, logvar))
    assert torch.all(log_q[1:] >= log_q[:-1])
    centres = torch.tensor([[3.0, 0.0], [-3.0, 0.0]], dtype=F64)
    assert torch.cdist(z, centres).min() > 2.0
    # the identity flow gives the same samples
    z_id, log_q_id = low_posterior_samples(mu, logvar, CouplingFlow(2).double(), 500, 100, gen(5))
    assert torch.equal(z_id, z) and torch.equal(log_q_id, log_q)


def test_high_posterior_samples_have_the_lowest_generation_space_prior_density():
    mu, logvar = two_centre_bank()
    flow = perturbed_flow(seed=1)
    for f in (None, flow):
        every, lp_every = high_posterior_samples(mu, logvar, f, n_draw=400, n_keep=400, generator=gen(6))
        z, lp = high_posterior_samples(mu, logvar, f, n_draw=400, n_keep=40, generator=gen(6))
        z0 = z if f is None else f(z)[0].detach()
        torch.testing.assert_close(lp, std_normal_log_prob(z0))
        assert torch.equal(z, every[:40]) and torch.all(lp_every[1:] >= lp_every[:-1])
        assert lp.max() <= lp_every[40:].min()
        assert torch.cdist(every, mu).amin(1).max() < 1.0                 # draws of q: near a bank mean
    with pytest.raises(ValueError, match="n_keep"):
        high_posterior_samples(mu, logvar, None, n_draw=10, n_keep=11)


# ------------------------------------------------------------------------------- leakage

def test_leakage_score_by_hand_without_a_flow():
    mu = torch.tensor([[1.0, 0.0], [2.0, 1.0], [-1.0, 0.5]], dtype=F64)
    logvar = torch.tensor([[-1.0, -0.5], [0.0, -2.0], [-0.3, 0.2]], dtype=F64)
    z = torch.tensor([[0.0, 0.0], [1.0, 0.5], [2.5, 1.0], [-2.0, 1.5], [3.0, -1.0]], dtype=F64)
    taus = [-3.0, -5.0, -100.0]
    table = leakage_scores(z, mu, logvar, None, taus)
    zn = z.numpy()
    lp = -0.5 * (zn**2).sum(1) - np.log(2 * np.pi)
    ratio = mixture_log_prob(z, mu, logvar).numpy() - lp
    for row, tau in zip(table.itertuples(), taus):
        leak = lp < tau
        assert row.tau == tau and row.share == pytest.approx(leak.mean())
        assert row.score_all == pytest.approx(ratio[leak].sum() / 5)
        if leak.any():
            assert row.score == pytest.approx(ratio[leak].mean())
        else:
            assert math.isnan(row.score)
    assert table["share"].tolist()[:2] == [0.6, 0.4]          # sanity of the hand set: 3 and 2 leak
    assert table.equals(leakage_scores(z, mu, logvar, None, taus, jacobian=False))


def test_leak_share_grows_with_tau():
    mu, logvar = two_centre_bank()
    z = torch.randn(2000, 2, generator=gen(7), dtype=F64) * 2
    taus = np.linspace(-12, -1, 23)
    share = leakage_scores(z, mu, logvar, None, taus)["share"].to_numpy()
    assert np.all(np.diff(share) >= 0) and share[0] < share[-1]


def test_leakage_jacobian_term_is_the_mean_log_determinant():
    mu, logvar = two_centre_bank()
    torch.manual_seed(0)
    flow = CouplingFlow(2, blocks=2, hidden=8).double()
    with torch.no_grad():
        flow.blocks[0].biases[-1][0].fill_(0.3)                   # the s net's last layer
        flow.blocks[0].weights[-1][0].normal_(0, 0.3)             # log-det varies over samples
    z = torch.randn(1000, 2, generator=gen(8), dtype=F64) * 2.5
    taus = [-6.0, -4.0, -3.0]
    with_j = leakage_scores(z, mu, logvar, flow, taus, jacobian=True)
    without = leakage_scores(z, mu, logvar, flow, taus, jacobian=False)
    with torch.no_grad():
        z0, logdet = flow(z)
    lp = std_normal_log_prob(z0)
    assert logdet.std() > 0.01
    for k, tau in enumerate(taus):
        leak = lp < tau
        assert leak.sum() > 10
        assert without.score[k] - with_j.score[k] == pytest.approx(float(logdet[leak].mean()), abs=1e-9)
        assert without.score_all[k] - with_j.score_all[k] == pytest.approx(float(logdet[leak].sum() / 1000),
                                                                           abs=1e-9)
    assert (with_j.share == without.share).all()


def test_quantile_thresholds_match_numpy():
    lp = torch.randn(1001, generator=gen(9), dtype=F64) * 3 - 4
    qs = (0.01, 0.02, 0.05, 0.10, 0.25, 0.50)
    np.testing.assert_allclose(quantile_thresholds(lp), np.quantile(lp.numpy(), qs), rtol=0, atol=1e-12)
    np.testing.assert_allclose(quantile_thresholds(lp, (0.3,)), np.quantile(lp.numpy(), [0.3]), atol=1e-12)


def test_nearest_distance_matches_brute_force():
    g = gen(10)
    points = torch.randn(257, 2, generator=g)
    reference = torch.randn(311, 2, generator=g)
    reference[5] = points[3]                                           # an exact hit
    want = np.sqrt(((points.numpy()[:, None] - reference.numpy()[None]) ** 2).sum(-1)).min(1)
    got = nearest_distance(points, reference, chunk=100)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)
    assert got[3] == 0


# ------------------------------------------------------------------------------- likelihood

def linear_gaussian(seed=0, b=200):
    """z ~ N(0, I_2), x | z ~ N(A z, s^2 I_3) with orthogonal columns of A, so the exact
    posterior is diagonal. Returns x, log_px_fn, exact log p(x), the exact posterior."""
    torch.manual_seed(seed)
    Q, _ = torch.linalg.qr(torch.randn(3, 2, dtype=F64))
    A = Q * torch.tensor([1.5, 0.7], dtype=F64)
    s = 0.4
    marginal = MultivariateNormal(torch.zeros(3, dtype=F64), A @ A.T + s**2 * torch.eye(3, dtype=F64))
    x = marginal.sample((b,))
    log_px_fn = lambda z: Normal(z @ A.T, s).log_prob(x).sum(-1)           # [k, B, 2] -> [k, B]
    post_var = 1 / (1 + (A**2).sum(0) / s**2)                               # [2]
    post_mu = post_var * (x @ A) / s**2                                     # [B, 2]
    return x, log_px_fn, marginal.log_prob(x), post_mu, post_var.log().expand_as(post_mu)


def test_importance_sampling_is_exact_with_the_exact_posterior():
    x, log_px_fn, exact, mu, logvar = linear_gaussian(b=20)
    for k in (1, 5, 130):
        got = importance_sampled_log_likelihood(log_px_fn, mu, logvar, None, k, gen(k), chunk=64)
        torch.testing.assert_close(got, exact, rtol=0, atol=1e-4)


def test_importance_sampling_approaches_from_below_with_a_poor_proposal():
    x, log_px_fn, exact, mu, logvar = linear_gaussian(b=200)
    gaps = []
    for k in (1, 10, 200):
        got = importance_sampled_log_likelihood(log_px_fn, mu + 0.3, logvar + 1.0, None, k, gen(k), chunk=50)
        gaps.append(float((exact - got).mean()))
    assert gaps[0] > gaps[1] > gaps[2] > 0
    assert gaps[2] < 0.1 * gaps[0]


def test_importance_sampling_with_a_flow_prior():
    x, log_px_fn, exact, mu, logvar = linear_gaussian(b=30)
    plain = importance_sampled_log_likelihood(log_px_fn, mu, logvar, None, 20, gen(11), chunk=7)
    ident = importance_sampled_log_likelihood(log_px_fn, mu, logvar, CouplingFlow(2).double(), 20, gen(11), chunk=7)
    torch.testing.assert_close(ident, plain, rtol=0, atol=1e-12)
    # with k = 1 the estimate is the single log weight, recomputed from the flow's density
    flow = perturbed_flow(seed=2)
    seen = []
    fn = lambda z: seen.append(z) or log_px_fn(z)
    got = importance_sampled_log_likelihood(fn, mu, logvar, flow, 1, gen(12))
    z = seen[0][0]
    with torch.no_grad():
        want = log_px_fn(seen[0])[0] + flow.log_prob(z) - Normal(mu, (0.5 * logvar).exp()).log_prob(z).sum(-1)
    torch.testing.assert_close(got, want)
    with pytest.raises(ValueError, match="k >= 1"):
        importance_sampled_log_likelihood(log_px_fn, mu, logvar, None, 0)


def test_knn_kl_by_k_d_trees_equals_the_distance_matrix():
    """The CPU route (k-d trees) and the cdist route give the same estimate, duplicates included."""
    g = torch.Generator().manual_seed(5)
    p, q = torch.randn(700, 2, generator=g), torch.randn(500, 2, generator=g) * 1.3 + 0.4
    p[10] = p[11]                                        # a duplicate: r floored on both routes
    for a, b in ((p, q), (q, p)):
        assert knn_kl(a, b, kd_tree=True) == pytest.approx(knn_kl(a, b, chunk=128, kd_tree=False), abs=1e-9)
