"""Notebook 06's claims, each shown failing and passing (and NOT TESTED when its measured precondition
fails) on made-up runs, the editing score on a model with a known covariance, and the figures."""

from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import torch

from companion.claims import FAIL, NOT_TESTED, PASS
from companion.papers.sos_vae import structured_noise as sn
from companion.papers.sos_vae import structured_noise_report as report
from companion.papers.sos_vae.model import ObservationVAE

matplotlib.use("Agg")


@dataclass
class FakeRun:
    config: sn.Config
    metrics: dict
    model: object = None
    history: pd.DataFrame = None


def fake_runs(base_rho=0.0, sos_rho=0.7, real=0.5, fd=None, mse=0.02, seeds=3):
    """Both models on Fashion-MNIST; fd = (SOS means, SOS samples, baseline means, baseline samples)."""
    fd = fd or (30.0, 10.0, 20.0, 40.0)
    runs = {}
    for s in range(seeds):
        wobble = 0.01 * (s - 1)
        for o, rho, (fm, fs) in (("diagonal", base_rho, fd[2:]), ("low_rank", sos_rho, fd[:2])):
            c = sn.Config(observation=o, seed=s)
            m = {"autocorr_sample": rho + wobble, "autocorr_real": real, "fd_mean": fm + wobble,
                 "fd_sample": fs - wobble,
                 "mse": mse, "kl": 20.0, "rec": 1.0, "classifier_accuracy": 0.9, "mean_variance": 0.01}
            runs[c] = FakeRun(c, m)
    return runs


def verdicts(runs, edit=None, spectra=None):
    plan = sn.make_plan("quick", datasets=["fashion-mnist"], seeds=[0, 1, 2])
    claims = report.claims(plan, runs, {"fashion-mnist": 0.1}, {"fashion-mnist": edit} if edit else {}, spectra)
    return {c.claim.split(": ", 1)[1]: c for c in claims}


def find(claims, start):
    return next(c for k, c in claims.items() if k.startswith(start))


def test_white_noise_claim():
    assert find(verdicts(fake_runs()), "the baseline's sample − mean").verdict == PASS
    assert find(verdicts(fake_runs(base_rho=0.3)), "the baseline's sample − mean").verdict == FAIL
    untrained = find(verdicts(fake_runs(mse=0.09)), "the baseline's sample − mean")
    assert untrained.verdict == NOT_TESTED and "has not learned" in untrained.reason


def test_coherence_claim_compares_with_the_real_residual():
    assert find(verdicts(fake_runs()), "SOS samples deviate").verdict == PASS
    assert find(verdicts(fake_runs(sos_rho=-0.8)), "SOS samples deviate").verdict == FAIL     # 1.3 from real vs 0.5
    two = {c: r for c, r in fake_runs().items() if c.seed < 2}
    assert find(verdicts(two), "SOS samples deviate").verdict == NOT_TESTED


def test_table1_orderings():
    assert find(verdicts(fake_runs()), "SOS samples score better than SOS means").verdict == PASS
    swapped = verdicts(fake_runs(fd=(10.0, 30.0, 20.0, 40.0)))
    assert find(swapped, "SOS samples score better than SOS means").verdict == FAIL
    assert find(verdicts(fake_runs()), "SOS samples score better than the baseline").verdict == PASS
    assert find(verdicts(fake_runs()), "SOS means score worse").verdict == PASS                  # 30 vs 20
    assert find(verdicts(fake_runs(fd=(10.0, 5.0, 20.0, 40.0))), "SOS means score worse").verdict == FAIL


def _edit(before, after, high=0.1, low=0.001, n=50):
    """One model's `edit_with_truth` summary: n images around the given means."""
    return {"before": torch.full((n,), before) + 0.001 * torch.randn(n), "after": torch.full((n,), after),
            "change_high": torch.full((n,), high), "change_low": torch.full((n,), low)}


def test_editing_claims_pass_and_fail_paired_over_seeds():
    torch.manual_seed(0)
    good = [_edit(0.02 + 0.001 * s, 0.010 + 0.0005 * s) for s in range(3)]
    bad = [_edit(0.02 + 0.001 * s, 0.03 + 0.0005 * s, low=0.05) for s in range(3)]
    assert find(verdicts(fake_runs(), good), "editing a patch").verdict == PASS
    assert find(verdicts(fake_runs(), bad), "editing a patch").verdict == FAIL
    assert find(verdicts(fake_runs(), good), "the edit changes correlated").verdict == PASS
    assert find(verdicts(fake_runs(), bad), "the edit changes correlated").verdict == FAIL
    # one seed of three whose far pixels move as much as the near ones fails the second claim
    assert find(verdicts(fake_runs(), good[:2] + bad[2:]), "the edit changes correlated").verdict == FAIL


def test_editing_gain_on_one_model_or_mixed_seeds_is_not_tested():
    torch.manual_seed(0)
    # a clear gain on every image of one model is still one model: the paired test needs three
    one = find(verdicts(fake_runs(), [_edit(0.02, 0.01)]), "editing a patch")
    assert one.verdict == NOT_TESTED and "paired test needs 3" in one.reason
    # seeds that disagree (−0.010, +0.008, −0.001): the interval over seeds includes 0
    mixed = [_edit(0.02, 0.010), _edit(0.02, 0.028), _edit(0.02, 0.019)]
    c = find(verdicts(fake_runs(), mixed), "editing a patch")
    assert c.verdict == NOT_TESTED and "includes 0" in c.reason


def test_spectrum_claim_needs_a_converged_fit():
    closed = np.array([4.0, 2.0, 1.0])
    ok = {"fashion-mnist": (closed * 1.02, closed, (True, ""))}
    off = {"fashion-mnist": (closed * [1.0, 1.5, 1.0], closed, (True, ""))}
    early = {"fashion-mnist": (closed * 1.02, closed, (False, "not converged"))}
    assert find(verdicts(fake_runs(), spectra=ok), "the distribution alone").verdict == PASS
    assert find(verdicts(fake_runs(), spectra=off), "the distribution alone").verdict == FAIL
    assert find(verdicts(fake_runs(), spectra=early), "the distribution alone").verdict == NOT_TESTED


def test_editing_moves_the_rest_toward_an_image_the_covariance_explains():
    torch.manual_seed(0)
    model = ObservationVAE((1, 28, 28), zdim=2, rank=1, hidden=(8,)).eval()
    # a decoder whose mean is flat 0.5 and whose one factor is a bright blob over the whole centre
    blob = torch.zeros(28, 28)
    blob[6:22, 6:22] = 0.3
    with torch.no_grad():
        model.noise_head.weight.zero_()
        model.noise_head.bias.copy_(blob.flatten())
        model.mean_head.weight.zero_()
    x = (0.5 + 0.8 * blob).view(1, 1, 28, 28).repeat(4, 1, 1, 1)                 # the blob, brighter
    out = report.edit_with_truth(model, x)
    assert torch.all(out["after"] < 0.1 * out["before"])
    assert torch.all(out["change_high"] > 10 * out["change_low"])
    # every seed's SOS-VAE on the same images, in seed order (the ΔH run left out)
    runs = {sn.Config(observation="low_rank", seed=s): FakeRun(sn.Config(seed=s), {}, model) for s in (1, 0)}
    runs[sn.Config(observation="low_rank", seed=0, entropy_target=50.0)] = FakeRun(None, {}, None)
    edits = report.edits_over_seeds(runs, "fashion-mnist", x)
    assert len(edits) == 2 and torch.equal(edits[0]["after"], out["after"])


def test_figures_and_coverage():
    torch.manual_seed(0)
    runs = {}
    for o in ("diagonal", "low_rank"):
        c = sn.Config(observation=o)
        runs[c] = FakeRun(c, {}, ObservationVAE((1, 28, 28), 4, 3, o, hidden=(16,)).eval())
    assert len(report.figure2(runs, "fashion-mnist", n=3).axes) == 6 * 7
    assert report.slerp_grid(runs[sn.Config()].model, 4).shape == (4, 4, 784)
    assert report.pc_scaling(runs[sn.Config()].model, 2).shape == (2, 11, 784)
    items = {r.item for r in report.coverage(sn.make_plan("quick"))}
    assert {f"Fig. {k}" for k in range(1, 8)} | {"Table 1", "Appendix A"} <= items
