"""Seconds of the evaluation pieces rewritten for CI's hour, against the routes they replace.

    .venv/bin/python benchmarks/bench_evaluation.py [--threads 1] [--repeats 3]

* σ-VAE q̂ (notebook 02): the 32-component full-covariance EM on 10k 16-D and 2-D codes, this
  package's `fit_gmm` against scikit-learn's `GaussianMixture` (same start, same fit); the
  Monte-Carlo KL(q̂ || p) (10 x 10k draws) with the component-first sampler against
  `MixtureSameFamily.sample`.
* dpVAE sKL (notebook 03): the 1-NN KL estimator on 5,000 2-D samples, k-d trees against `cdist`.
* SOS-VAE distribution-only fit (notebook 06): one value-and-gradient of the mean log-likelihood of
  2,000 images (D = 784, R = 10), from the data statistics against `LowRankMultivariateNormal`.

Synthetic inputs of the notebooks' sizes; the median of `--repeats` timings; printed as a table,
nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd
import torch
from torch.distributions import LowRankMultivariateNormal, MixtureSameFamily

from companion.core import aggregate_posterior as ap
from companion.papers.dpvae.latent_metrics import knn_kl
from companion.papers.sos_vae import distribution_only as free


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _codes(n: int, d: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(12, d, generator=g) * 3
    spread = torch.randn(n, d, generator=g) * torch.rand(n, 1, generator=g)
    return centres[torch.randint(0, 12, (n,), generator=g)] + spread


def main() -> None:
    ap_ = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap_.add_argument("--threads", type=int, default=1)
    ap_.add_argument("--repeats", type=int, default=3)
    args = ap_.parse_args()
    # numpy's BLAS (scikit-learn's EM) gets the same thread count as torch, as in the notebooks' workers
    # (companion.parallel.pin_one_thread): an unpinned BLAS beside a busy core made scikit-learn's fit 20x slower
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    rows = []

    from sklearn.mixture import GaussianMixture

    for d in (16, 2):
        z = _codes(10_000, d)
        ours = _median_seconds(lambda: ap.fit_gmm(z, 32, seed=0), args.repeats)
        theirs = _median_seconds(lambda: GaussianMixture(32, covariance_type="full", reg_covar=1e-6, random_state=0)
                                 .fit(z.double().numpy()), args.repeats)
        rows.append({"piece": f"GMM fit, 32 components, 10k x {d}-D", "before": theirs, "now": ours,
                     "before is": "sklearn GaussianMixture"})
    q = ap.fit_gmm(_codes(10_000, 16), 32, seed=0)
    plain = MixtureSameFamily(q.mixture_distribution, q.component_distribution)
    rows.append({"piece": "KL(q̂ || p), 10 x 10k draws, 16-D",
                 "before": _median_seconds(lambda: ap.kl_to_standard_normal(plain, 10_000, 10), args.repeats),
                 "now": _median_seconds(lambda: ap.kl_to_standard_normal(q, 10_000, 10), args.repeats),
                 "before is": "MixtureSameFamily.sample"})

    p, r = torch.randn(5000, 2, dtype=torch.float64), torch.randn(5000, 2, dtype=torch.float64) + 0.3
    rows.append({"piece": "1-NN KL, 5,000 x 2-D each way",
                 "before": _median_seconds(lambda: knn_kl(p, r, kd_tree=False), args.repeats),
                 "now": _median_seconds(lambda: knn_kl(p, r, kd_tree=True), args.repeats),
                 "before is": "torch.cdist"})

    x = torch.rand(2000, 784, dtype=torch.float64)
    stats = free.DataStatistics.of(x)
    mean = torch.full((784,), 0.5, dtype=torch.float64, requires_grad=True)
    factor = (0.01 * torch.randn(784, 10, dtype=torch.float64)).requires_grad_()

    def by_images():
        LowRankMultivariateNormal(mean, factor, torch.full_like(mean, 1e-5)).log_prob(x).mean().backward()

    def by_statistics():
        free.mean_log_likelihood(mean, factor, 1e-5, stats).backward()

    rows.append({"piece": "free Gaussian NLL + gradient, 2,000 x 784, R = 10",
                 "before": _median_seconds(by_images, 10 * args.repeats),
                 "now": _median_seconds(by_statistics, 10 * args.repeats),
                 "before is": "LowRankMultivariateNormal over the images"})

    table = pd.DataFrame(rows)
    table["speed-up"] = (table["before"] / table["now"]).round(1)
    table[["before", "now"]] = table[["before", "now"]].round(4)
    print(f"{args.threads} thread(s), median of {args.repeats} (x10 for the last row), torch {torch.__version__}")
    print(table.to_markdown(index=False))


if __name__ == "__main__":
    main()
