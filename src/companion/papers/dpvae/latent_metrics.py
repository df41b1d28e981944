r"""Latent-space diagnostics for dpVAEs: Fixing Sample Generation for Regularized VAEs (Bhalodia,
Lee & Elhabian, arXiv 1911.10506): pockets, leaks, and the distance between q(z) and the prior.

The idea: a VAE samples by decoding z ~ p(z), but it is trained on codes from the aggregate
posterior, the mixture of all encodings of the N training points,

    q(z) = (1/N) sum_n q(z | x_n).

A regulariser added to the ELBO (beta-VAE, beta-TCVAE, InfoVAE, ...) pulls the encoder towards
properties it wants (disentanglement, information) and lets q(z) drift away from p(z) = N(0, I).
The mismatch has two faces:

  * pockets: regions the prior samples often but q(z) does not cover. Prior samples there have a
    low aggregate-posterior density ("LP samples") and decode off the data manifold.
  * leaks: regions q(z) covers but the prior rarely samples. Posterior samples there have a low
    prior density ("HP samples", high-posterior); their images are rarely generated.

The fix, the decoupled prior: put a learnable bijection g (a RealNVP coupling flow) between the
representation space z, where the encoder, the decoder and the regulariser live, and a generation
space z0 = g(z) with a standard normal. By the change of variables

    p(z) = N(g(z); 0, I) |det dg/dz|,

and a sample is z = g^{-1}(z0) with z0 ~ N(0, I). The flow is trained with the VAE (it enters the
KL term through log p(z)), so the prior can follow q(z) wherever the regulariser pushes it.

In this module every `flow` argument is a `companion.core.flows.CouplingFlow` g, or None for the
standard VAE (g = identity, log-determinant 0). Densities of q(z) are the exact mixture over a bank
of posterior parameters (`mu_bank`, `logvar_bank`, one row per training point), written q̂.

Provenance tags: [P] the paper, [C] the authors' code, [R] a standard definition from elsewhere,
[A] a choice of this companion.

Random draws use `torch.randn` / `torch.randint` with the caller's `generator`, which must live on
the device of the tensors (or the flow) involved. Nothing here needs gradients: the samplers and
scores run under `torch.no_grad()`, except `to_generation_space`, which callers may train through.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd
import torch

from ...core.aggregate_posterior import exact_aggregate_log_density
from ...core.flows import CouplingFlow

#: [A] Floor for nearest-neighbour distances in `knn_kl` (exact duplicates would give log 0).
MIN_DISTANCE = 1e-12

_LOG_2PI = math.log(2 * math.pi)


# ------------------------------------------------------------------------ prior and spaces

def to_generation_space(z: torch.Tensor, flow: CouplingFlow | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(z0, log|det dz0/dz|) per row: (g(z), its log-determinant) [P], or (z, 0) for flow None."""
    if flow is None:
        return z, z.new_zeros(z.shape[0])
    return flow(z)


def _flow_device_dtype(flow: CouplingFlow) -> tuple[torch.device, torch.dtype]:
    p = next(flow.parameters())
    return p.device, p.dtype


@torch.no_grad()
def prior_samples(n: int, dim: int, flow: CouplingFlow | None, generator: torch.Generator | None = None,
                  *, device: torch.device | str = "cpu", dtype: torch.dtype | None = None) -> torch.Tensor:
    """n draws z ~ p(z) [P]: z0 ~ N(0, I) for flow None (on `device`, in `dtype` or the default
    dtype), else z = g^{-1}(z0) with z0 drawn on the flow's device in the flow's dtype."""
    if flow is not None:
        device, dtype = _flow_device_dtype(flow)
    z0 = torch.randn(n, dim, generator=generator, device=device, dtype=dtype)
    return z0 if flow is None else flow.inverse(z0)


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """sum_d log N(z_d; 0, 1) per row of z [M, D] -> [M] [R]."""
    return -0.5 * (z.pow(2) + _LOG_2PI).sum(1)


def _log_prior(z: torch.Tensor, flow: CouplingFlow | None) -> torch.Tensor:
    """log p(z) = log N(g(z); 0, I) + log|det dg/dz| [P], log N(z; 0, I) for flow None."""
    z0, logdet = to_generation_space(z, flow)
    return log_standard_normal(z0) + logdet


# --------------------------------------------------------------------- pockets and leaks

def _check_bank(mu_bank: torch.Tensor, logvar_bank: torch.Tensor) -> None:
    if mu_bank.ndim != 2 or mu_bank.shape != logvar_bank.shape or len(mu_bank) == 0:
        raise ValueError(f"mu_bank and logvar_bank must be non-empty [N, D] tensors of one shape, got "
                         f"{tuple(mu_bank.shape)} and {tuple(logvar_bank.shape)}")


def _check_keep(n_draw: int, n_keep: int) -> None:
    if not 1 <= n_keep <= n_draw:
        raise ValueError(f"need 1 <= n_keep <= n_draw, got n_keep={n_keep}, n_draw={n_draw}")


@torch.no_grad()
def low_posterior_samples(mu_bank: torch.Tensor, logvar_bank: torch.Tensor, flow: CouplingFlow | None,
                          n_draw: int = 500, n_keep: int = 100,
                          generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """LP samples, the prior's draws that fall into pockets [P §5.2; C: 500 drawn, 100 kept].

    Draws `n_draw` z ~ p(z) (`prior_samples`), scores log q̂(z) under the exact aggregate posterior
    of the bank, keeps the `n_keep` lowest. Returns (z [n_keep, D], log q̂(z) [n_keep]), sorted by
    log q̂ ascending (the deepest pocket first). With flow None the draws are made on the bank's
    device in its dtype.
    """
    _check_bank(mu_bank, logvar_bank)
    _check_keep(n_draw, n_keep)
    z = prior_samples(n_draw, mu_bank.shape[1], flow, generator, device=mu_bank.device, dtype=mu_bank.dtype)
    log_q = exact_aggregate_log_density(z, mu_bank, logvar_bank)
    log_q, idx = torch.topk(log_q, n_keep, largest=False, sorted=True)
    return z[idx], log_q


@torch.no_grad()
def high_posterior_samples(mu_bank: torch.Tensor, logvar_bank: torch.Tensor, flow: CouplingFlow | None,
                           n_draw: int = 5000, n_keep: int = 500,
                           generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """HP samples, the aggregate posterior's draws that sit in leaks [P §5.2].

    Draws `n_draw` z ~ q̂(z): a bank row n uniformly with replacement (`torch.randint`), then
    z ~ N(mu_n, exp(logvar_n)) (`torch.randn`); maps f(z) (identity, or g for a dpVAE) and keeps the
    `n_keep` draws with the lowest log N(f(z); 0, I), i.e. where the sampler in generation space
    rarely goes. Returns (z [n_keep, D] in representation space, log N(f(z); 0, I) [n_keep]),
    sorted ascending.
    """
    _check_bank(mu_bank, logvar_bank)
    _check_keep(n_draw, n_keep)
    rows = torch.randint(len(mu_bank), (n_draw,), generator=generator, device=mu_bank.device)
    eps = torch.randn(n_draw, mu_bank.shape[1], generator=generator, device=mu_bank.device, dtype=mu_bank.dtype)
    z = mu_bank[rows] + (0.5 * logvar_bank[rows]).exp() * eps
    z0, _ = to_generation_space(z, flow)
    log_p0, idx = torch.topk(log_standard_normal(z0), n_keep, largest=False, sorted=True)
    return z[idx], log_p0


@torch.no_grad()
def leakage_scores(z_q: torch.Tensor, mu_bank: torch.Tensor, logvar_bank: torch.Tensor,
                   flow: CouplingFlow | None, taus: Sequence[float], jacobian: bool = True) -> pd.DataFrame:
    """How much aggregate-posterior mass sits where the generation-space prior is thin; lower is
    better [P definition in words; its equation is not legible in the paper, so the formula is a
    reconstruction, R/C].

    For samples z ~ q(z) (`z_q` [M, D]) and f = identity or g, with lp(z) = log N(f(z); 0, I),

        L(z) = log q_f(f(z)) - lp(z),   log q_f(f(z)) = log q̂(z) - log|det df/dz|,

    the log ratio of the aggregate posterior pushed to generation space and the prior there. The
    log-determinant enters only with `jacobian=True` (the change of variables, [R]); the authors'
    code compares log q̂(z) with the prior directly, as `jacobian=False` does [C]. For each tau a
    sample leaks when lp < tau; one row per tau with

        share      fraction of the M samples that leak,
        score      mean of L over the leaking samples (NaN when none leaks),
        score_all  sum of L over the leaking samples / M.

    Sums are taken in float64.
    """
    _check_bank(mu_bank, logvar_bank)
    if z_q.ndim != 2 or z_q.shape[1] != mu_bank.shape[1] or len(z_q) == 0:
        raise ValueError(f"z_q must be a non-empty [M, {mu_bank.shape[1]}] tensor, got {tuple(z_q.shape)}")
    z0, logdet = to_generation_space(z_q, flow)
    lp = log_standard_normal(z0).double()
    log_qf = exact_aggregate_log_density(z_q, mu_bank, logvar_bank).double()
    if jacobian:
        log_qf = log_qf - logdet.double()
    ratio = log_qf - lp
    tau = torch.as_tensor(list(taus), dtype=torch.float64, device=lp.device).reshape(-1)
    leaking = lp[None, :] < tau[:, None]                                   # [T, M]
    count = leaking.sum(1).double()
    total = torch.where(leaking, ratio[None, :], torch.zeros((), dtype=torch.float64, device=lp.device)).sum(1)
    score = torch.where(count > 0, total / count.clamp_min(1), torch.full_like(total, float("nan")))
    return pd.DataFrame({"tau": tau.cpu().numpy(), "share": (count / len(z_q)).cpu().numpy(),
                         "score": score.cpu().numpy(), "score_all": (total / len(z_q)).cpu().numpy()})


def quantile_thresholds(lp: torch.Tensor, quantiles: Sequence[float] = (0.01, 0.02, 0.05, 0.10, 0.25, 0.50)
                        ) -> tuple[float, ...]:
    """The taus for `leakage_scores` on the 2-D toy: quantiles (linear interpolation, as numpy's
    default) of lp = log N(f(z); 0, I) over samples of the VAE's q(z) [A]. Computed in float64 with
    `torch.quantile`, which accepts up to 2**24 values."""
    values = torch.as_tensor(lp).detach().double().reshape(-1)
    q = torch.as_tensor(list(quantiles), dtype=torch.float64, device=values.device)
    return tuple(float(v) for v in torch.quantile(values, q))


# ---------------------------------------------------------------- nearest-neighbour tools

def nearest_distance(points: torch.Tensor, reference: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
    """Euclidean distance from each point [M, D] to its nearest reference point [N, D] -> [M]; the
    companion's on-manifold distance of decoded 2-D samples to the two-moons data [A]. Exact
    differences (no matrix-product shortcut), so distances near zero stay accurate; chunked over
    points."""
    if points.ndim != 2 or reference.ndim != 2 or points.shape[1] != reference.shape[1] or len(reference) == 0:
        raise ValueError(f"need [M, D] points and a non-empty [N, D] reference, got {tuple(points.shape)} "
                         f"and {tuple(reference.shape)}")
    reference = reference.to(points)
    out = [torch.cdist(pc, reference, compute_mode="donot_use_mm_for_euclid_dist").amin(1)
           for pc in points.split(chunk)]
    return torch.cat(out) if out else points.new_zeros(0)


def knn_kl(p: torch.Tensor, q: torch.Tensor, chunk: int = 2048, kd_tree: bool | None = None) -> float:
    """KL(P || Q) from samples by the 1-nearest-neighbour estimator [R: Pérez-Cruz 2008]:

        KL̂ = (d / n) sum_i log(s_i / r_i) + log(m / (n - 1)),

    r_i the distance from p_i to its nearest other p sample, s_i the distance from p_i to its
    nearest q sample, n = len(p), m = len(q), d the dimension. Computed in float64 with
    `torch.cdist` over chunks of `chunk` rows of p, or by k-d trees (`kd_tree`; None: on the CPU);
    p_i's distance to itself is excluded by masking the diagonal (the same as taking the
    second-smallest distance when it is exactly 0). Exact
    duplicates would give r_i = 0 (or s_i = 0) and an infinite log, so distances are floored at
    `MIN_DISTANCE` = 1e-12 [A].
    """
    if p.ndim != 2 or q.ndim != 2:
        raise ValueError(f"knn_kl needs 2-D sample arrays [n, d] and [m, d], got shapes "
                         f"{tuple(p.shape)} and {tuple(q.shape)}")
    if p.shape[1] != q.shape[1]:
        raise ValueError(f"samples of different dimension: p has d={p.shape[1]}, q has d={q.shape[1]}")
    n, d = p.shape
    m = len(q)
    if n < 2:
        raise ValueError(f"knn_kl needs at least 2 samples of p (a nearest other one), got {n}")
    if m < 1:
        raise ValueError("knn_kl needs at least 1 sample of q")
    p = p.detach().double()
    q = q.detach().to(p)
    if kd_tree if kd_tree is not None else p.device.type == "cpu":
        r, s = _nearest_by_kd_tree(p.cpu(), q.cpu())
        return float(d * (s.log() - r.log()).sum() / n + math.log(m / (n - 1)))
    total = torch.zeros((), dtype=torch.float64, device=p.device)
    for start in range(0, n, chunk):
        pc = p[start:start + chunk]
        rows = torch.arange(len(pc), device=p.device)
        d_pp = torch.cdist(pc, p)
        d_pp[rows, rows + start] = float("inf")                           # not its own neighbour
        r = d_pp.amin(1).clamp_min(MIN_DISTANCE)
        s = torch.cdist(pc, q).amin(1).clamp_min(MIN_DISTANCE)
        total = total + (s.log() - r.log()).sum()
    return float(d * total / n + math.log(m / (n - 1)))


def _nearest_by_kd_tree(p: torch.Tensor, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(r, s) of `knn_kl` on the CPU by k-d trees (scipy's cKDTree, exact Euclidean distances):
    r from the two nearest p samples of each p_i (itself at 0 and its nearest other one; a
    duplicate makes both 0, as the masked diagonal does), s from the nearest q sample. In 2-D,
    5,000 points take milliseconds instead of the ~0.5 s of a 5,000 x 5,000 `cdist`."""
    from scipy.spatial import cKDTree

    pn, qn = p.numpy(), q.numpy()
    r = cKDTree(pn).query(pn, k=2)[0][:, 1]
    s = cKDTree(qn).query(pn, k=1)[0]
    to = lambda a: torch.from_numpy(a).clamp_min(MIN_DISTANCE)
    return to(r), to(s)


def symmetric_kl(q_samples: torch.Tensor, p_samples: torch.Tensor) -> float:
    """sKL = KL̂(Q || P) + KL̂(P || Q) by `knn_kl` [P: from 5,000 samples of each]."""
    return knn_kl(q_samples, p_samples) + knn_kl(p_samples, q_samples)


@torch.no_grad()
def skl_in_generation_space(z_q: torch.Tensor, flow: CouplingFlow | None, n: int = 5000,
                            generator: torch.Generator | None = None) -> float:
    """sKL between the aggregate posterior and the prior, measured in generation space [C]: the
    first `n` rows of `z_q` (samples of q(z)) mapped by g (identity for flow None) against as many
    fresh N(0, I) draws (`torch.randn` on z_q's device with `generator`)."""
    z = z_q[:n]
    if z.ndim != 2 or len(z) < 2:
        raise ValueError(f"skl_in_generation_space needs at least 2 samples [n, D], got {tuple(z.shape)}")
    z0, _ = to_generation_space(z, flow)
    reference = torch.randn(z0.shape, generator=generator, device=z0.device, dtype=z0.dtype)
    return symmetric_kl(z0, reference)


# ---------------------------------------------------------------------------- likelihood

@torch.no_grad()
def importance_sampled_log_likelihood(log_px_fn: Callable[[torch.Tensor], torch.Tensor], mu: torch.Tensor,
                                      logvar: torch.Tensor, flow: CouplingFlow | None, k: int,
                                      generator: torch.Generator | None = None, chunk: int = 64) -> torch.Tensor:
    """log p(x) by importance sampling with the encoder as proposal [P, after Rezende et al. 2014]:

        log p(x) ≈ log (1/k) sum_s exp(log p(x | z_s) + log p(z_s) - log q(z_s | x)),  z_s ~ q(z | x),

    with log p(z) = log N(g(z); 0, I) + log|det dg/dz| for a flow, log N(z; 0, I) for None.

    `mu`, `logvar` [B, D] are q(z|x) for a batch of B inputs. Convention [A]: `log_px_fn(z)` takes
    latents z of shape [s, B, D], where z[:, b] are samples for input b, and returns
    log p(x_b | z[j, b]) as [s, B]. The k samples go through in chunks of at most `chunk`
    (s <= chunk, so the decoder sees chunk * B latents at once); each chunk draws
    eps = torch.randn(s, B, D) and z = mu + exp(logvar / 2) * eps. The log-mean-exp is accumulated
    across chunks in float64; returns [B] in mu's dtype.
    """
    if k < 1 or chunk < 1:
        raise ValueError(f"need k >= 1 and chunk >= 1, got k={k}, chunk={chunk}")
    if mu.ndim != 2 or mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must be [B, D] tensors of one shape, got {tuple(mu.shape)} "
                         f"and {tuple(logvar.shape)}")
    b, d = mu.shape
    std = (0.5 * logvar).exp()
    acc = torch.full((b,), float("-inf"), dtype=torch.float64, device=mu.device)
    for start in range(0, k, chunk):
        s = min(chunk, k - start)
        eps = torch.randn(s, b, d, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + std * eps
        log_q = -0.5 * (eps.pow(2) + logvar + _LOG_2PI).sum(-1)                  # [s, B]
        log_p = _log_prior(z.reshape(s * b, d), flow).reshape(s, b)
        log_px = log_px_fn(z)
        if log_px.shape != (s, b):
            raise ValueError(f"log_px_fn must map [s, B, D] latents to [s, B], got {tuple(log_px.shape)} "
                             f"for s={s}, B={b}")
        w = (log_px + log_p - log_q).double()
        acc = torch.logaddexp(acc, torch.logsumexp(w, 0))
    return (acc - math.log(k)).to(mu.dtype)
