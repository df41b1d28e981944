"""Notebook 05's claims: what Soft-IntroVAE (Daniel & Tamar, CVPR 2021, arXiv 2012.13253) says
about likelihood-based OOD detection (§1, §6.5, App. 9.7, Table 7, Fig. 8), each declared once
with the paper's words, where they stand, the test, its negative control and the "models
learned" precondition, and decided by `companion.claims.decide`.

* **Learned** (`ood_report.learning`): every model the claim is about, every seed, reconstructs
  its test images better than a coarse layout with as many numbers as its latent code, and its
  ELBO of the in-distribution test images is above a per-pixel-mean Gaussian's log-likelihood
  (paired 95 % interval over the test images clear of zero).
* **Controls** (`ood_report.references`), on the same test images: the config's model at
  initialisation (built with its seed, not trained), the per-pixel-mean Gaussian and
  probabilistic PCA fitted in closed form to the same training images (σ² = ½). The claim's own
  test is run on them; where the interval rule cannot decide (fewer than three seeds, a
  straddling interval), the control's mean decides, so a control whose mean lies on the claimed
  side blocks the verdict. For the comparison of the two methods the control is the same paired
  test on a difference with nothing to detect but noise: Soft-IntroVAE's AUROC of its own test
  images, even against odd indices, minus the VAE's, over seeds (it passes only when its interval
  clears 0 on the claimed side; with fewer than three seeds it is not evaluated).
* **Seeds**: one rule, `interval_outcome`: >= 3 seeds and a paired 95 % t-interval clear of the
  line decide; a straddling interval, or fewer seeds, is NOT TESTED with the numbers.
* **The paper's setting**: "near perfect", "a well-trained S-IntroVAE ... significantly
  outperforming the standard VAE", "outperforms it by a large margin" and Fig. 8(b) are about the
  paper's trained models: they are tested only when the run trains the paper's setting
  (`ood_report.setting_differences`: networks, epochs, optimiser, betas, and every image of the
  official training split, counted); otherwise NOT TESTED, "not comparable".
* **The VAE's failure** on CIFAR-10 -> SVHN (App. 9.7 and Fig. 8(a)) is tested as AUROC < 0.5
  beside the same controls; the per-pixel-mean Gaussian, which depends only on the data, ranks
  SVHN above CIFAR-10 (AUROC 0.38 on the offline test images), so the test passes on its control
  and these claims stay NOT TESTED at any budget, with that reason first.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ...claims import MIN_SEEDS, Budget, Claim, Control, Outcome, decide, interval_outcome
from ...tables import DATASET_LABELS
from .ood import PAIRS, Plan
from .ood_report import _by_pair, _learned, _not_run, setting_differences, split_auroc
from .reported import SOFT_INTROVAE_TABLE7

#: "Near perfect" (§1, §6.5). The lowest Table 7 value the paper calls so is 0.966 ± 0.02 over 3
#: seeds (SVHN -> CIFAR-10), whose 95 % t-interval reaches down to 0.916: the paper's own numbers
#: must pass, so the line sits below that, at 0.9.
NEAR_PERFECT = 0.9
#: AUROC of a score that does not separate the two datasets.
CHANCE = 0.5

# ------------------------------------------------------------------------- the paper's words

NEAR_QUOTE = "S-IntroVAE obtains near perfect OOD detection results in all the settings investigated in [44]"
NEAR_WHERE = "§6.5 (and §1: \"near-perfect detection on all the tasks investigated in [44]\"); Table 7"
ABOVE_QUOTE = ("a well-trained S-IntroVAE model exhibits near-perfect detection on all the tasks investigated "
               "in [44], significantly outperforming the standard VAE")
ABOVE_WHERE = "§1; Table 7"
ABOVE_CIFAR_QUOTE = ("for the CIFAR10-SVHN pair, the standard VAE performs poorly, confirming the results of "
                     "[44], while Soft-IntroVAE outperforms it by a large margin")
ABOVE_CIFAR_WHERE = "App. 9.7; Table 7"
VAE_QUOTE = "for the CIFAR10-SVHN pair, the standard VAE performs poorly, confirming the results of [44]"
VAE_WHERE = "App. 9.7; Table 7"
FIG8A_QUOTE = ("[44] found that a standard VAE assigns higher likelihood to SVHN samples than samples from the "
               "original CIFAR10 data. Our results in Figure 8(a) indeed confirm this observation.")
FIG8A_WHERE = "§6.5; Fig. 8(a)"
FIG8B_QUOTE = ("Figure 8(b) shows that S-IntroVAE correctly assigns significantly higher likelihoods to data "
               "from CIFAR10.")
FIG8B_WHERE = "§6.5; Fig. 8(b)"

_SIDE = {"greater": "above", "less": "below"}


# ---------------------------------------------------------------------------------- tests

def _vs_line(values, line: float, direction: str) -> Outcome:
    """The interval rule for per-seed AUROCs against a line; the text leads with their mean."""
    o = interval_outcome(values, [line] * len(values), direction, f"AUROC − {line:g}", "{:+.3f}")
    return Outcome(o.passed, f"{np.mean(values):.3f} ({o.text})", o.why)


def _on_claimed_side(mean: float, line: float, direction: str) -> bool:
    return mean > line if direction == "greater" else mean < line


def _control(what: str, series: dict, line: float, direction: str) -> Control:
    """The claim's test (per-seed values `direction` `line`) on each control of `series`
    (name -> per-seed values); the control passes when the test passes on any of them, or, where
    the interval rule cannot decide, when that control's mean lies on the claimed side."""
    texts, passes = [], False
    for name, values in series.items():
        o = interval_outcome(values, [line] * len(values), direction, "", "{:+.3f}")
        on = o.passed if o.passed is not None else _on_claimed_side(float(np.mean(values)), line, direction)
        passes |= bool(on)
        side = f"{'' if on else 'not '}{_SIDE[direction]} {line:g}"
        detail = o.text if len(values) >= MIN_SEEDS else f"{len(values)} seed(s)"
        texts.append(f"{name} {np.mean(values):+.3f} ({side}; {detail})" if line == 0 else
                     f"{name} {np.mean(values):.3f} ({side}; {detail})")
    return Control(what, "; ".join(texts), passes)


def _references(runs_list, refs, score: str = "elbo") -> dict:
    """The references of a model's seeds that learn nothing by training, per seed (AUROC on the
    same test images): its network at initialisation, the per-pixel-mean Gaussian, and
    probabilistic PCA in closed form (its exact log-likelihood serves both scores)."""
    return {"at initialisation": [getattr(refs[r.config], f"auroc_init_{score}") for r in runs_list],
            "per-pixel mean": [refs[r.config].auroc_mean_model for r in runs_list],
            "probabilistic PCA": [refs[r.config].auroc_ppca for r in runs_list]}


def _noise_control(soft_runs, vae_runs) -> Control:
    """The comparison's own paired test (Soft-IntroVAE − VAE > 0 over seeds) on a difference with
    nothing to detect but noise: each model's AUROC of its own test images, even against odd
    indices (`ood_report.split_auroc`). It passes only when the interval clears 0 on the claimed
    side; with fewer than three seeds it is not evaluated."""
    what = "the same paired test on the models' AUROC of their own test images, even vs odd indices"
    soft, vae = _seeded(soft_runs), _seeded(vae_runs)
    seeds = sorted(set(soft) & set(vae))
    a, b = [split_auroc(soft[s])[0] for s in seeds], [split_auroc(vae[s])[0] for s in seeds]
    o = interval_outcome(a, b, "greater", "Soft-IntroVAE − VAE", "{:+.3f}")
    if len(seeds) < MIN_SEEDS:
        return Control(what, f"{o.text}: an interval needs ≥ {MIN_SEEDS} seeds", None)
    return Control(what, o.text, bool(o.passed))


def _comparable(runs_list, refs, words: str) -> tuple[bool, str]:
    """(True, '') when every run trains the paper's setting, else (False, 'not comparable: ...'):
    `words` says what the paper's statement is about."""
    diff = setting_differences(runs_list, refs)
    if not diff:
        return True, ""
    return False, (f"not comparable: {words} (the authors' networks and epochs, every image of the official "
                   "training split); this run trains " + ", ".join(diff))


_NEAR_WORDS = "\"near perfect\" is the level of the paper's model"
_TRAINED_WORDS = "the paper's words are about its well-trained models at its setting"


def _needs_no_learning(c: Claim, mean_model: list, in_label: str, ood_label: str) -> Claim:
    """A claim of the VAE's failure (AUROC < 0.5) whose test passes on the per-pixel-mean Gaussian
    (`mean_model`: its AUROC per seed; the mean training image, nothing learned), which already
    ranks the OOD images higher: that reason first, since it holds at any budget, whatever else
    also blocks the verdict."""
    if c.control is None or not mean_model or not _control("", {"m": mean_model}, CHANCE, "less").passes:
        return c
    reason = (f"cannot be decided at any budget: a per-pixel-mean Gaussian, which learns nothing but the mean "
              f"training image, already ranks {ood_label} above {in_label} (AUROC {np.mean(mean_model):.3f}), so "
              "AUROC < 0.5 needs no learning")
    if not c.reason.startswith("the test also passes on its control"):
        reason += f"; and {c.reason}"
    return dataclasses.replace(c, reason=reason)


def _paper(ds, m) -> str:
    mean, std = SOFT_INTROVAE_TABLE7[ds][m]
    return f"{mean:g} ± {std:g}"


def _seeded(runs_list) -> dict:
    return {r.config.seed: r for r in runs_list}


# ---------------------------------------------------------------------------------- claims

def claims(plan: Plan, runs, refs) -> list[Claim]:
    """The paper's OOD statements, tested on this run's AUROCs (ELBO for Table 7, the M = 5
    importance-weighted estimate for Fig. 8), each beside its control (`refs`:
    `ood_report.references`). See the module docstring for the rules."""
    pairs = _by_pair(plan, runs)
    out = []

    def claim(text, quote, where, paper, test, ds, methods, control, outcome, words=None):
        missing = _not_run(plan, pairs, ds, methods)
        if missing:
            return Claim(text, quote, where, paper, "not run", None, test, None, missing)
        o = outcome()
        precondition = (_comparable([r for m in methods for r in pairs[(ds, m)]], refs, words) if words else
                        (True, ""))
        return decide(text, quote=quote, where=where, paper=paper, run=o.text, passed=o.passed, test=test,
                      control=control(), learned=_learned(pairs, [(ds, m) for m in methods], refs),
                      precondition=precondition, why=o.why)

    def line_claim(text, quote, where, paper, ds, m, line, direction, score="elbo", words=None):
        key, name = (ds, m), {"elbo": "ELBO", "iw": "IW, M = 5"}[score]
        test = (f"AUROC ({name}) {'≥' if direction == 'greater' else '<'} {line:g}: paired 95 % t-interval "
                f"over ≥ 3 seeds clear of the line")
        return claim(text, quote, where, paper, test, ds, [m],
                     lambda: _control("references that learn nothing by training, on the same test images",
                                      _references(pairs[key], refs, score), line, direction),
                     lambda: _vs_line([r.metrics[f"auroc_{score}"] for r in pairs[key]], line, direction),
                     words)

    def above_claim(ds, quote, where, large):
        def outcome():
            soft, vae = _seeded(pairs[(ds, "sintrovae")]), _seeded(pairs[(ds, "vae")])
            seeds = sorted(set(soft) & set(vae))
            a, b = [soft[s].metrics["auroc_elbo"] for s in seeds], [vae[s].metrics["auroc_elbo"] for s in seeds]
            o = interval_outcome(a, b, "greater", "Soft-IntroVAE − VAE", "{:+.3f}")
            return Outcome(o.passed, f"{np.mean(a):.3f} vs {np.mean(b):.3f} ({o.text})", o.why)

        in_label, ood_label = DATASET_LABELS[ds], DATASET_LABELS[PAIRS[ds]]
        return claim(f"Soft-IntroVAE trained on {in_label} separates {ood_label} better than the VAE"
                     + (" (by a large margin)" if large else ""), quote, where,
                     f"{_paper(ds, 'sintrovae')} vs {_paper(ds, 'vae')}",
                     "AUROC (ELBO) of Soft-IntroVAE > VAE's, same networks, budget and seeds: paired 95 % "
                     "t-interval over ≥ 3 seeds above 0", ds, ["vae", "sintrovae"],
                     lambda: _noise_control(pairs[(ds, "sintrovae")], pairs[(ds, "vae")]), outcome, _TRAINED_WORDS)

    for ds in PAIRS:
        in_label, ood_label = DATASET_LABELS[ds], DATASET_LABELS[PAIRS[ds]]
        mean_model = [refs[r.config].auroc_mean_model for r in pairs.get((ds, "vae"), [])]
        if ds == "cifar10":
            out.append(_needs_no_learning(line_claim(
                f"The VAE trained on {in_label} gives {ood_label} the higher ELBO (it performs poorly)", VAE_QUOTE,
                VAE_WHERE, _paper(ds, "vae"), ds, "vae", CHANCE, "less"), mean_model, in_label, ood_label))
        out.append(line_claim(
            f"Soft-IntroVAE trained on {in_label} detects {ood_label} near-perfectly", NEAR_QUOTE, NEAR_WHERE,
            f"{_paper(ds, 'sintrovae')} (\"near perfect\")", ds, "sintrovae", NEAR_PERFECT, "greater",
            words=_NEAR_WORDS))
        out.append(above_claim(ds, *((ABOVE_CIFAR_QUOTE, ABOVE_CIFAR_WHERE, True) if ds == "cifar10" else
                                     (ABOVE_QUOTE, ABOVE_WHERE, False))))
        if ds == "cifar10":
            out.append(_needs_no_learning(line_claim(
                f"Fig. 8(a): the VAE trained on {in_label} gives {ood_label} the higher log-likelihood (M = 5)",
                FIG8A_QUOTE, FIG8A_WHERE, "SVHN's histogram right of CIFAR-10's", ds, "vae", CHANCE, "less", "iw"),
                mean_model, in_label, ood_label))
            out.append(line_claim(
                f"Fig. 8(b): Soft-IntroVAE trained on {in_label} gives {in_label} the higher log-likelihood (M = 5)",
                FIG8B_QUOTE, FIG8B_WHERE, "CIFAR-10's histogram right of SVHN's", ds, "sintrovae", CHANCE,
                "greater", "iw", words=_TRAINED_WORDS))
    return out


# ------------------------------------------------------------------------------ budget per claim

#: [measured] training images per second, one thread (benchmarks/README.md, OOD networks): the quick
#: MLP (batch 128) and the narrow residual net of CIFAR-10 (widths 16, 32, 64; batch 64)
MLP_IMAGES_PER_S = {"vae": 9065.0, "sintrovae": 2033.0}
NARROW_IMAGES_PER_S = {"vae": 456.0, "sintrovae": 96.0}
#: [measured] the paper's networks, one thread: CIFAR-10 (64, 128, 256; batch 32) and 28x28 (64, 128; batch 128)
PAPER_IMAGES_PER_S = {"vae": 65.0, "sintrovae": 13.0}
PAPER_28_IMAGES_PER_S = {"vae": 109.0, "sintrovae": 21.0}
_BASIS = "training images per second of benchmarks/README.md (OOD networks), one thread; scoring not counted"


def _pair_minutes(rates: dict, images: int, epochs: int, seeds: int = MIN_SEEDS) -> float:
    """Core-minutes to train both methods on `images` for `epochs`, `seeds` times."""
    return seeds * sum(images * epochs / r for r in rates.values()) / 60


def budget() -> list[Budget]:
    """Every claim of notebook 05 (any profile), the runs that decide it, their cost on this CPU and
    the profile that decides it."""
    paper_28 = _pair_minutes(PAPER_28_IMAGES_PER_S, 60_000, 200)
    narrow = _pair_minutes(NARROW_IMAGES_PER_S, 10_000, 8)
    paper = _pair_minutes(PAPER_IMAGES_PER_S, 50_000, 220)
    full_words = ("the paper's networks and epochs on every training image, both methods, "
                  f"{MIN_SEEDS} seeds (its words are about its well-trained models, so a smaller model is 'not "
                  "comparable')")
    rows = []
    for a, b in (("MNIST", "Fashion-MNIST"), ("Fashion-MNIST", "MNIST")):
        for what in ("detects", "separates"):
            rows.append(Budget(f"Soft-IntroVAE trained on {a} {what} {b}", full_words, paper_28, "full", _BASIS))
    rows += [
        Budget("The VAE trained on CIFAR-10 gives SVHN the higher ELBO", "nothing a budget buys: a per-pixel-mean "
               "Gaussian, which learns nothing but the mean training image, already ranks SVHN above CIFAR-10, so "
               "the test passes on its control at any budget", narrow, "not decidable here", _BASIS),
        Budget("Fig. 8(a)", "nothing a budget buys: as for the ELBO, the per-pixel-mean Gaussian already gives SVHN "
               "the higher log-likelihood", narrow, "not decidable here", _BASIS),
        Budget("Fig. 8(b)", f"both methods on CIFAR-10 until they learn. The extended profile's narrow net on the 10k "
               f"offline images for 8 epochs, {MIN_SEEDS} seeds, did not (stored run, 2026-12-06: every model's "
               "reconstruction error above 8 × 8 block averages); whether more epochs on the 10k offline images teach "
               "the narrow net is not measured (three seeds of both methods for 40 epochs ≈ 210 core-min, and still "
               "not the paper's setting); the paper's networks on all 50k images are a GPU job", paper, "full",
               _BASIS),
        Budget("Soft-IntroVAE trained on CIFAR-10", full_words, paper, "full", _BASIS),
        Budget("Soft-IntroVAE trained on SVHN", "SVHN's training split, which is not offline here, and the paper's "
               "networks and epochs", float("nan"), "full", _BASIS),
    ]
    return rows
