"""The affine coupling flow: a bijection with the right log-determinant and a normalised density,
checked against autograd Jacobians, torch.distributions and a numerical integral."""

import pytest
import torch
from torch.distributions import MultivariateNormal

from companion.core.flows import AffineCoupling, CouplingFlow, MLPCoupling, conditioner_mlp, half_mask


def random_flow(dim, blocks=4, seed=0, t_last="tanh", scale=0.4):
    """A flow whose conditioners are not at their zero start (so it is not the identity)."""
    torch.manual_seed(seed)
    flow = CouplingFlow(dim, blocks, hidden=16, t_last=t_last).double()
    with torch.no_grad():
        for p in flow.parameters():
            p.add_(scale * torch.randn_like(p))
    return flow


def test_masks_alternate_halves():
    assert half_mask(2).tolist() == [1.0, 0.0] and half_mask(2, flip=True).tolist() == [0.0, 1.0]
    assert half_mask(5).tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    flow = CouplingFlow(4, blocks=3)
    assert [b.mask.tolist() for b in flow.blocks] == [[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]]
    with pytest.raises(ValueError, match="at least 2"):
        half_mask(1)
    with pytest.raises(ValueError, match="at least one block"):
        CouplingFlow(2, blocks=0)
    with pytest.raises(ValueError, match="output activation"):
        conditioner_mlp(2, last="relu")


def test_a_new_flow_is_the_identity():
    flow = CouplingFlow(3)
    z = torch.randn(10, 3)
    z0, logdet = flow(z)
    assert torch.equal(z0, z) and torch.equal(logdet, torch.zeros(10))
    want = MultivariateNormal(torch.zeros(3), torch.eye(3)).log_prob(z)
    torch.testing.assert_close(flow.log_prob(z), want)


@pytest.mark.parametrize("dim, t_last", [(2, "tanh"), (5, "tanh"), (5, "identity")])
def test_inverse_undoes_forward(dim, t_last):
    flow = random_flow(dim, t_last=t_last)
    z = torch.randn(50, dim, dtype=torch.float64) * 2
    z0, _ = flow(z)
    assert not torch.allclose(z0, z)
    torch.testing.assert_close(flow.inverse(z0), z, atol=1e-10, rtol=0)
    torch.testing.assert_close(flow(flow.inverse(z))[0], z, atol=1e-10, rtol=0)


@pytest.mark.parametrize("dim", [2, 5])
def test_log_determinant_matches_the_autograd_jacobian(dim):
    flow = random_flow(dim, seed=dim)
    z = torch.randn(6, dim, dtype=torch.float64)
    _, logdet = flow(z)
    for i in range(len(z)):
        jac = torch.autograd.functional.jacobian(lambda v: flow(v[None])[0][0], z[i])
        assert logdet[i].item() == pytest.approx(torch.linalg.slogdet(jac).logabsdet.item(), abs=1e-10)


def test_the_density_integrates_to_one_in_2d():
    flow = random_flow(2, blocks=6, seed=3, scale=0.2)   # its samples stay within |z| < 9
    side = torch.linspace(-9, 9, 601, dtype=torch.float64)
    grid = torch.cartesian_prod(side, side)
    cell = (side[1] - side[0]) ** 2
    mass = (flow.log_prob(grid).exp() * cell).sum().item()
    assert mass == pytest.approx(1.0, abs=2e-3)


def test_samples_follow_the_density():
    """Samples g^-1(z0) have the mean and covariance that log_prob implies (importance check)."""
    flow = random_flow(2, blocks=6, seed=3, scale=0.2)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        z = flow.sample(200_000, generator=gen)
        side = torch.linspace(-9, 9, 601, dtype=torch.float64)
        grid = torch.cartesian_prod(side, side)
        w = flow.log_prob(grid).exp() * (side[1] - side[0]) ** 2
    torch.testing.assert_close(z.mean(0), (w[:, None] * grid).sum(0) / w.sum(), atol=0.02, rtol=0)


def test_one_block_keeps_its_masked_coordinates():
    block = AffineCoupling(half_mask(4), conditioner_mlp(4, 8), conditioner_mlp(4, 8, "identity"))
    with torch.no_grad():
        for p in block.parameters():
            p.add_(torch.randn_like(p))
    a = torch.randn(7, 4)
    y, _ = block(a)
    assert torch.equal(y[:, :2], a[:, :2]) and not torch.allclose(y[:, 2:], a[:, 2:])


@pytest.mark.parametrize("t_last", ["tanh", "identity"])
def test_the_stacked_mlp_block_is_the_two_separate_nets(t_last):
    """MLPCoupling evaluates the s and t MLPs in one batched product: the same function as an
    AffineCoupling over two `conditioner_mlp`s holding the same weights, and the same start."""
    torch.manual_seed(4)
    fused = MLPCoupling(half_mask(5), hidden=8, t_last=t_last).double()
    torch.manual_seed(4)
    s_net, t_net = conditioner_mlp(5, 8), conditioner_mlp(5, 8, t_last)
    for (w, b), k in zip(zip(fused.weights, fused.biases), (0, 2, 4)):
        assert torch.equal(w[0].T.float(), s_net[k].weight) and torch.equal(w[1].T.float(), t_net[k].weight)
        assert torch.equal(b[0, 0].float(), s_net[k].bias) and torch.equal(b[1, 0].float(), t_net[k].bias)
    with torch.no_grad():                               # leave the zero start: random weights everywhere
        for p in fused.parameters():
            p.add_(0.5 * torch.randn_like(p))
    separate = AffineCoupling(half_mask(5), s_net, t_net).double()
    with torch.no_grad():
        for (w, b), k in zip(zip(fused.weights, fused.biases), (0, 2, 4)):
            for net, i in ((separate.s_net, 0), (separate.t_net, 1)):
                net[k].weight.copy_(w[i].T)
                net[k].bias.copy_(b[i, 0])
    a = torch.randn(9, 5, dtype=torch.float64)
    (y1, ld1), (y2, ld2) = fused(a), separate(a)
    torch.testing.assert_close(y1, y2, atol=1e-12, rtol=0)
    torch.testing.assert_close(ld1, ld2, atol=1e-12, rtol=0)
    torch.testing.assert_close(fused.inverse(y1), separate.inverse(y2), atol=1e-12, rtol=0)
    # leading dimensions pass through: [K, N, D] as K x N rows
    torch.testing.assert_close(fused.inverse(y1.view(3, 3, 5)), a.view(3, 3, 5), atol=1e-12, rtol=0)
