"""Notebook 06's claims, diagnostics and coverage (Langley, Monteiro, Jones, Pawlowski & Glocker,
"Structured Uncertainty in the Observation Space of Variational Autoencoders", TMLR 2022, arXiv
2205.12533). The evidence they read is measured report-side by `structured_noise_report.evidence`.

Each claim quotes the paper, runs its test on this notebook's runs and on a negative control with
the same data and budget, and is decided only when the models learned:

* learned (every claim of a dataset): every main run's reconstruction mean beats the per-pixel-mean
  model on test MSE, and every SOS-VAE's factor P holds more of the real residual's energy than a
  random rank-R subspace does (R / D);
* controls: the SOS-VAE at initialisation (coherence); the SOS means plus white noise of the SOS
  noise's energy, image by image (the three Fréchet-distance orderings); a random factor of the same
  rank and per-image norm (editing).

Claims about a model's behaviour are paired over seeds (three models per observation model), never
over the test images of one model: the images of one model share its errors.

What holds for any model is a diagnostic, not a claim: the baseline's sample − mean is white (every
diagonal Gaussian's is), the distribution-only fit against probabilistic PCA's closed form (a check
of the optimiser), and the likelihood and calibration of both models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...claims import Claim, Control, Coverage, Diagnostic, Outcome, decide, interval_outcome
from ...tables import DATASET_LABELS, format_mean_std, mean_std
from .reported import SOS_TABLE1
from .structured_noise import Plan
from .structured_noise_report import Evidence, metrics_frame

#: [A] |ρ₁| below this is "white noise" (a 3 x 3 blur of white noise gives 0.67; independent noise
#: over 2,000 images gives |ρ₁| ~ 0.001) — a diagnostic: every diagonal Gaussian's noise is white
WHITE_LINE = 0.05
#: [A] the distribution-only fit and PCA agree when the top-R spectra differ by at most this (relative):
#: a diagnostic of the optimiser (probabilistic PCA's closed form holds for any data)
SPECTRUM_TOLERANCE = 0.10
#: [A] the calibration diagnostic warns when the predicted per-pixel variance is more than this factor
#: away from the real residual energy (at a Gaussian likelihood's maximum the two are equal)
CALIBRATION_FACTOR = 2.0


def _main(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.entropy_target.isna()]


def _seeds(frame, ds, observation, metric) -> np.ndarray:
    f = _main(frame)
    return f[(f.dataset == ds) & (f.observation == observation)].sort_values("seed")[metric].to_numpy(float)


def _ms(values, digits=3) -> str:
    return format_mean_std(*mean_std(values), digits)


# ------------------------------------------------------------------------------ learned

def learned(frame: pd.DataFrame, ev: Evidence) -> tuple[bool, str]:
    """Every main run of the dataset reconstructs better than the per-pixel-mean model (test MSE of
    the mean), and every SOS-VAE's P holds more of the real residual's energy than a random rank-R
    subspace (R / D): the mean and the noise both learned something of the images."""
    f = _main(frame)[lambda t: t.dataset == ev.dataset]
    if f.empty:
        return False, "no trained run"
    worst = f.sort_values("mse").iloc[-1]
    if not worst.mse < ev.mean_model_mse:
        return False, (f"{worst.model} seed {worst.seed} reconstructs no better than the per-pixel mean (test MSE "
                       f"{worst.mse:.4f} ≥ {ev.mean_model_mse:.4f})")
    shares = ev.fits[ev.fits.observation == "low_rank"].sort_values("span_share")
    chance = ev.rank / ev.pixels
    if shares.empty or not shares.span_share.iloc[0] > chance:
        lowest = shares.span_share.iloc[0] if not shares.empty else float("nan")
        return False, (f"an SOS-VAE's P holds {lowest:.2%} of the real residual's energy, no more than a random "
                       f"rank-{ev.rank} subspace ({chance:.2%})")
    return True, ""


# ------------------------------------------------------------------------------ claims

def _outcome_control(what: str, outcome: Outcome) -> Control:
    return Control(what, outcome.text, outcome.passed is True)


def _table1_cells(pairs) -> str:
    """'104.62 vs 196.40 (CelebA), …' from Table 1's (model, what) pairs, every dataset."""
    datasets = dict.fromkeys(ds for ds, _, _ in SOS_TABLE1)
    a, b = pairs
    return "; ".join(f"{SOS_TABLE1[(ds, *a)]:g} vs {SOS_TABLE1[(ds, *b)]:g} ({ds})" for ds in datasets)


COHERENCE = dict(
    claim="SOS samples deviate from their mean coherently, nearer the real residual's structure than the baseline's",
    quote="the samples produced by our SOS-VAE contain semantically-meaningful variations around the mean and are "
          "spatially coherent",
    where="§4.1, Fig. 2 (b), (d)")

#: Table 1's orderings: (name, our sentence, the paper's words, where, the paper's pairs, this run's
#: two sides (evidence columns), the test)
ORDERINGS = (
    ("samples vs means",
     "SOS samples score better than SOS means: sampling does not reduce image quality",
     "sampling from the observational distribution, as theory entails, does not reduce image quality",
     "§4.1, Table 1", (("SOS-VAE", "samples"), ("SOS-VAE", "means")), ("sos_sample", "sos_mean")),
    ("samples vs baseline samples",
     "SOS samples score better than the baseline's samples",
     "We observe that, for both datasets, the proposed SOS-VAE achieves a lower FID score than the β-VAE",
     "§4.1, Table 1", (("SOS-VAE", "samples"), ("β-VAE", "samples")), ("sos_sample", "base_sample")),
    ("samples vs baseline means",
     "SOS samples score better than the baseline's means (the paper's headline)",
     "the samples from the model with a low-rank multivariate normal observational distribution outperform the "
     "means of the β-VAE",
     "§4.1, Table 1", (("SOS-VAE", "samples"), ("β-VAE", "means")), ("sos_sample", "base_mean")),
)
WHITE_CONTROL = "SOS means + white noise of the SOS noise's energy, image by image"
SIDES = {"sos_sample": "SOS samples", "sos_mean": "SOS means", "base_sample": "baseline samples",
         "base_mean": "baseline means"}

EDITING = dict(
    claim="editing a patch moves the rest of the image coherently (toward the truth)",
    quote="we can manually edit a small number of pixels and automatically update the remainder of the image "
          "coherently with the manual edit",
    where="§4.4, Fig. 6")


def _coherence_claim(frame, ds, name, ok, ev: Evidence) -> Claim:
    base = _seeds(frame, ds, "diagonal", "autocorr_sample")
    sos = _seeds(frame, ds, "low_rank", "autocorr_sample")
    real = _seeds(frame, ds, "low_rank", "autocorr_real")
    o = interval_outcome(np.abs(sos - real), np.abs(base - real), "less")
    c = interval_outcome(np.abs(ev.rho_init - real), np.abs(base - real), "less")
    return decide(
        f"{name}: {COHERENCE['claim']}", quote=COHERENCE["quote"], where=COHERENCE["where"],
        paper="Fig. 2: coherent sample − mean (qualitative)",
        run=f"ρ₁ SOS {_ms(sos)}, baseline {_ms(base)}, real residual {_ms(real)}; {o.text}",
        passed=o.passed, why=o.why,
        test="|ρ₁(sample − mean) − ρ₁(real residual)|, SOS below baseline, paired over seeds",
        control=_outcome_control(f"the SOS-VAE at initialisation (ρ₁ {_ms(ev.rho_init, 4)})", c), learned=ok)


def _fd_claims(ds, name, ok, ev: Evidence) -> list[Claim]:
    """Table 1's orderings on clamped images, each beside the equal-energy white-noise control in
    place of the SOS samples; NOT TESTED when no Fréchet distance could be computed."""
    out = []
    test = ("Fréchet distance of 2,000 prior draws (clamped to [0, 1]) to the test images on conv-classifier "
            "features, {a} < {b}, paired over seeds")
    for _, claim, quote, where, paper_pairs, (a, b) in ORDERINGS:
        paper = f"FID {_table1_cells(paper_pairs)}"
        words = test.format(a=SIDES[a], b=SIDES[b])
        if ev.fd is None:
            out.append(decide(f"{name}: {claim}", quote=quote, where=where, paper=paper,
                              run=f"no Fréchet distance: {ev.fd_note}", passed=None, test=words,
                              control=Control(WHITE_CONTROL, "no Fréchet distance", None), learned=ok,
                              precondition=(False, ev.fd_note)))
            continue
        fd = ev.fd.sort_values("seed")
        o = interval_outcome(fd[a], fd[b], "less")
        c = interval_outcome(fd["sos_white"], fd[b], "less")
        out.append(decide(
            f"{name}: {claim}", quote=quote, where=where, paper=paper,
            run=f"{_ms(fd[a], 1)} vs {_ms(fd[b], 1)}; {o.text}", passed=o.passed, why=o.why, test=words,
            control=_outcome_control(f"{WHITE_CONTROL} (FD {_ms(fd['sos_white'], 1)})", c), learned=ok))
    return out


def editing_scores(edits: list) -> tuple[np.ndarray, np.ndarray]:
    """Per seed: the median over images of (error after − error before) outside the patch, and the
    share of images whose error fell."""
    change = [(e["after"] - e["before"]).numpy() for e in edits]
    return np.array([np.median(c) for c in change]), np.array([float(np.mean(c < 0)) for c in change])


def _editing_claim(name, ok, ev: Evidence) -> Claim:
    medians, shares = editing_scores(ev.edits)
    r_medians, r_shares = editing_scores(ev.edits_random)
    zeros = np.zeros_like(medians)
    o = interval_outcome(medians, zeros, "less", fmt="{:+.4f}")
    c = interval_outcome(r_medians, np.zeros_like(r_medians), "less", fmt="{:+.4f}")
    per_seed = lambda m, s: ", ".join(f"{v:+.4f} ({p:.0%} improved)" for v, p in zip(m, s))
    images = len(ev.edits[0]["before"]) if ev.edits else 0
    return decide(
        f"{name}: {EDITING['claim']}", quote=EDITING["quote"], where=EDITING["where"],
        paper="Fig. 6 (qualitative: hair colour, then skin tone)",
        run=f"median change of the error outside the patch per seed: {per_seed(medians, shares)}; {o.text}",
        passed=o.passed, why=o.why,
        test=f"an 8 × 8 patch set to the image's own pixels, the rest to E[x₁|x₂]: per image the squared error "
             f"outside the patch after minus before (μ), the median over {images} test images per seed < 0, "
             "paired over seeds",
        control=_outcome_control("a random factor of the same rank and per-image norm: "
                                 f"{per_seed(r_medians, r_shares)}", c), learned=ok)


def claims(plan: Plan, runs, evidence: dict) -> list[Claim]:
    """`evidence`: dataset -> `structured_noise_report.Evidence` (datasets without it are skipped)."""
    frame = metrics_frame(runs)
    out = []
    for ds in plan.datasets():
        ev = evidence.get(ds)
        if ev is None or _main(frame)[lambda f: f.dataset == ds].empty:
            continue
        name, ok = DATASET_LABELS[ds], learned(frame, ev)
        out.append(_coherence_claim(frame, ds, name, ok, ev))
        out += _fd_claims(ds, name, ok, ev)
        if ev.edits:
            out.append(_editing_claim(name, ok, ev))
    return out


# ------------------------------------------------------------------------------ diagnostics

def _dataset_diagnostics(frame, ds, ev: Evidence) -> list[Diagnostic]:
    name = DATASET_LABELS[ds]
    out = []
    base_rho = _seeds(frame, ds, "diagonal", "autocorr_sample")
    if len(base_rho):
        out.append(Diagnostic(f"{name}: the baseline's sample − mean is white noise (true of every diagonal Gaussian)",
                              f"ρ₁ {np.round(base_rho, 4).tolist()} over seeds", f"|ρ₁| < {WHITE_LINE}",
                              bool(np.abs(base_rho).max() < WHITE_LINE)))
    f = _main(frame)[lambda t: t.dataset == ds]
    nelbo = {o: (f[f.observation == o].rec + f[f.observation == o].kl).to_numpy() for o in ("low_rank", "diagonal")}
    out.append(Diagnostic(
        f"{name}: likelihood — test −ELBO per image against a per-pixel Gaussian of the training images",
        f"SOS {_ms(nelbo['low_rank'], 1)}, baseline {_ms(nelbo['diagonal'], 1)} nats; per-pixel Gaussian "
        f"{ev.mean_model_nll:.1f}", "both below the per-pixel Gaussian's NLL",
        bool(max(nelbo["low_rank"].max(), nelbo["diagonal"].max()) < ev.mean_model_nll)))
    fits = ev.fits
    ratio = {o: (fits[fits.observation == o].predicted_variance / fits[fits.observation == o].residual_energy)
             for o in ("low_rank", "diagonal")}
    text = "; ".join(f"{who} predicted {_ms(fits[fits.observation == o].predicted_variance, 4)} vs real "
                     f"{_ms(fits[fits.observation == o].residual_energy, 4)} (×{ratio[o].mean():.2g})"
                     for who, o in (("SOS", "low_rank"), ("baseline", "diagonal")))
    out.append(Diagnostic(
        f"{name}: calibration — predicted per-pixel variance at the test reconstructions against the real residual "
        "energy (x − μ)²", text,
        f"ratio ≈ 1 (a Gaussian's maximum-likelihood variance is the expected squared residual); warns beyond "
        f"×{CALIBRATION_FACTOR:g} either way",
        bool(all(((r > 1 / CALIBRATION_FACTOR) & (r < CALIBRATION_FACTOR)).all() for r in ratio.values()))))
    shares = fits[fits.observation == "low_rank"].span_share
    chance = ev.rank / ev.pixels
    out.append(Diagnostic(
        f"{name}: P's span holds the real residual (the rest is scored against d alone, hence the SOS NLL)",
        f"share of (x − μ)'s energy in P's {ev.rank} columns {_ms(100 * shares, 1)} %",
        f"> {chance:.2%} (a random rank-{ev.rank} subspace: R / D)", bool(len(shares) and shares.min() > chance)))
    if ev.edits:
        ratios = lambda edits: [float(e["change_high"].mean() / max(float(e["change_low"].mean()), 1e-12))
                                for e in edits]
        trained, random = ratios(ev.edits), ratios(ev.edits_random)
        out.append(Diagnostic(
            f"{name}: the edit's change sits where the covariance links pixels to the patch",
            "mean |change| of the tenth most linked over the least linked, per seed: trained "
            + ", ".join(f"×{v:.1f}" for v in trained) + "; random factor " + ", ".join(f"×{v:.1f}" for v in random),
            "above the random factor's on every seed", bool(min(t - r for t, r in zip(trained, random)) > 0)))
        d = ev.edit_diagonals
        mu = d["μ"]
        after = {k: v for k, v in d.items() if k != "μ"}
        out.append(Diagnostic(
            f"{name}: editing with a larger fixed diagonal d (seed 0): is the tiny d the reason the edit misses?",
            f"error outside the patch: μ {mu:.4f}; after the edit " + ", ".join(f"d = {k:g}: {v:.4f}"
                                                                               for k, v in after.items()),
            "some d brings the rest nearer the image than μ", bool(min(after.values()) < mu)))
    return out


def diagnostics(plan: Plan, runs, evidence: dict, spectra: dict | None = None) -> list[Diagnostic]:
    """Training health, identities that hold for any model, and the evidence's consistency.
    `spectra`: dataset -> (trained eig(P Pᵀ), PCA's closed form, converged?) of the distribution-only fit."""
    frame = metrics_frame(runs)
    if frame.empty:
        return []
    out = []
    finite = bool(np.isfinite(frame[["rec", "kl", "mse"]].to_numpy()).all())
    out.append(Diagnostic("every test NLL, KL and MSE is finite", "all finite" if finite else "NaN or inf",
                          "all finite", finite))
    gap = (frame.kl - frame.kl_target).abs().max()
    out.append(Diagnostic("the multipliers hold the test KL at its target", f"largest |KL − ε_KL| {gap:.2f} nats",
                          "< 2 nats", bool(gap < 2)))
    if "classifier_accuracy" in frame and frame.classifier_accuracy.notna().any():
        acc = frame.classifier_accuracy.min()
        out.append(Diagnostic("the conv feature classifier recognises test images", f"smallest accuracy {acc:.4f}",
                              "≥ 0.8", bool(acc >= 0.8)))
    var = frame[frame.observation == "diagonal"].mean_variance.max()
    out.append(Diagnostic("the baseline's predicted variance stays below the pixel range's (no blow-up)",
                          f"largest mean σ² {var:.4f}", "< 0.1", bool(var < 0.1)))
    if evidence:
        match = all(ev.draws_match for ev in evidence.values())
        out.append(Diagnostic("the report-side prior draws are the stored evaluation's (first 16 samples of each run)",
                              "equal" if match else "differ", "equal", match))
    for ds in plan.datasets():
        if ds in evidence and not _main(frame)[lambda f: f.dataset == ds].empty:
            out += _dataset_diagnostics(frame, ds, evidence[ds])
    for ds, (trained, closed, (converged, why)) in (spectra or {}).items():
        rel = float(np.max(np.abs(trained - closed) / closed))
        out.append(Diagnostic(
            f"{DATASET_LABELS[ds]}: the distribution-only fit reaches probabilistic PCA's closed form (a check of the "
            "optimiser: it holds for any data)",
            f"largest relative difference of the top-{len(closed)} spectra {rel:.3f}"
            + ("" if converged else f"; {why}"),
            f"≤ {SPECTRUM_TOLERANCE} and converged", bool(converged and rel <= SPECTRUM_TOLERANCE)))
    return out


# ------------------------------------------------------------------------------ coverage

def _appendix_a(plan: Plan, runs) -> Coverage:
    """Appendix A: the paper's unstabilised samples are over-bright and high-contrast, and its entropy
    constraint fixes them. Here the constrained run's test MSE of the mean decides what the note says."""
    frame = metrics_frame(runs)
    content = "samples without stabilisation (over-bright, high-contrast) and the entropy constraint's fix"
    held = frame[frame.entropy_target.notna()]
    if held.empty:
        return Coverage("Appendix A", content, "implemented, not run",
                        "no SOS-VAE with an entropy constraint in this plan")
    rows, blurred = [], False
    for _, r in held.iterrows():
        main = _seeds(frame, r.dataset, "low_rank", "mse")
        blurred |= bool(len(main) and r.mse > main.max())
        rows.append(f"ΔH held at {r.entropy_target:g} nats on {DATASET_LABELS[r.dataset]}: test MSE of the mean "
                    f"{r.mse:.3f} against {_ms(main, 3)} without")
    verdict = ("the means blur: the constraint fails here rather than fixes" if blurred else
               "the constrained means reconstruct no worse")
    return Coverage("Appendix A", content, "not reproduced",
                    "the unconstrained SOS samples here are high-contrast (the calibration diagnostic: predicted "
                    "variance against the real residual energy), but the paper's entropy targets are lost and the "
                    "fix does not show: " + "; ".join(rows) + f" ({verdict}; the Appendix A analogue)")


def coverage(plan: Plan, runs=None) -> list[Coverage]:
    """Every figure and table of the paper. The quick profile's analogues run on MNIST and
    Fashion-MNIST (the paper's CelebA and UKBB are not among the offline copies); CelebA is the
    full profile's, which has never run."""
    part = "partly reproduced"
    data = "on MNIST and Fashion-MNIST (the paper: CelebA and UKBB)"
    celeba_ran = ("celeba" in plan.datasets() and "smoke" not in plan.profile.name and runs is not None
                  and any(c.dataset == "celeba" for c in runs))
    rows = [
        Coverage("Fig. 1", "pixel-independent samples are noisy", part,
                 f"the baseline's rows of the Fig. 2 analogue, {data}"),
        Coverage("Fig. 2", "mean, sample, sample − mean, variance, ± covariance with the centre pixel", part, data),
        Coverage("Fig. 3", "Dorta et al. vs SOS-VAE on grey CelebA 64 × 64", "out of scope",
                 "needs Dorta et al.'s code and CelebA"),
        Coverage("Fig. 4", "interpolation in observation space (slerp over ε_P)", part, data),
        Coverage("Fig. 5", "scaling P's first ten principal directions", part,
                 f"all ten directions of the rank-10 models, {data}"),
        Coverage("Fig. 6", "interactive editing: conditional mean of the rest", part,
                 f"an 8 × 8 patch set to the image's own pixels (not a hand edit of hair or skin), so the effect can "
                 f"be scored; {data}"),
        Coverage("Fig. 7", "the distribution without deep learning vs PCA", part,
                 f"{data}; the spectra against probabilistic PCA's closed form are a diagnostic"),
        Coverage("Table 1", "FID of means and samples", part,
                 "the orderings of the CelebA and UKBB rows, as Fréchet distances on conv-classifier features (not "
                 f"Inception FID) {data}; the paper's values printed beside, not reproduced"),
        Coverage("CelebA", "Figs. 1, 2, 4–7, Table 1 and Appendix A's model on colour faces",
                 part if celeba_ran else "implemented, not run",
                 "CelebA 64 × 64 RGB (the paper's: 218 × 178) with the authors' ResNet, latent 128, rank 25, Inception "
                 "FID" + ("" if celeba_ran else ": the full profile (a download and a GPU job), which has never run")),
        _appendix_a(plan, runs) if runs is not None else
        Coverage("Appendix A", "samples without stabilisation", "implemented, not run", "no runs given"),
        Coverage("Appendix B", "all principal directions", part,
                 "the Fig. 5 analogue shows all ten directions of the rank-10 models on MNIST and Fashion-MNIST "
                 "(the paper: all 25 on CelebA and UKBB)"),
        Coverage("Appendix C", "more editing examples", "out of scope",
                 "the Fig. 6 analogue shows six test images; the editing claim scores 200 per model"),
        Coverage("Appendix D", "slerp", "reproduced (quick)",
                 "`observation.slerp`, unit-tested, drives the Fig. 4 analogue"),
        Coverage("UKBB rows", "brain images", "out of scope",
                 "restricted-access data; the paper's numbers are printed beside Table 1"),
    ]
    return rows

