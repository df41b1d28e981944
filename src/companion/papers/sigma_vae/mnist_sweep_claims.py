"""The claims of notebook 02 (sigma-VAE: Lin, Roberts, Trigoni & Clark, "Balancing Reconstruction
Quality and Regularisation in Evidence Lower Bound for Variational Autoencoders", arXiv 1909.03765),
one declaration each: our sentence, the paper's own words and where they stand (the paper's math is
written as σ², q̂, p̂ where its text file carries LaTeX residue), the test, the negative control, and
the "models learned" precondition. Figures and tables are in `mnist_sweep_report`; the control
numbers that need the loaded models come from `mnist_sweep_report.evidence`.

How a claim is decided (`companion.claims.decide`):

* **The models learned.** Every model a claim reads must beat the per-pixel-mean model on its own
  metric: a test ELBO at its best single σ² (post hoc) above that of a model that decodes every
  image as the training mean image with KL 0 (a WAE, which has no ELBO: a reconstruction error
  below the mean image's). A null run (every model at smoke size) fails this everywhere.
* **One interval rule** (`companion.claims.interval_outcome`): a comparison decides only over
  >= 3 seeds, when the paired t-interval of the per-seed differences lies clear of 0 (on the
  paper's side: PASS; on the other: FAIL); an interval that straddles 0 and fewer than three seeds
  are NOT TESTED. A claim over several models or datasets needs every comparison to hold
  (`all_outcomes`). The sigma^2 sweep trains one seed in every profile, so its claims show their
  numbers and are NOT TESTED; so are the one-seed parts of the 16-D block (Fashion-MNIST, the
  stage-2 model and its control in the quick profile).
* **A negative control** runs the same test, on the same seeds, where the paper's effect should be
  absent: the networks at initialisation with draws of their own per σ² and method (every method
  and every σ² shares them at step 0, so what remains is the test's own noise), a GMM fitted to
  draws of N(0, I) in place of q̂ (a q̂ with no gap to the prior), the same model on both sides (a
  second, independent draw of its samples; q̂ refitted to a second draw), the stage-1 model as a
  stage-2 model that has not started, shuffled image pairs. Each comparison's control is judged by
  `companion.claims.control_passes` over >= 3 seeds (with fewer it is not evaluated): it fails when
  the model's effect beats the control's by a paired interval, or the control's own interval lies
  clear the other way; a model beyond its control on the other side fails it as well, so that
  numbers contradicting the paper can FAIL. A claim over several comparisons needs every
  comparison beyond its control (one contradicted comparison beyond its control suffices to FAIL).
  A test that passes on its control is NOT TESTED.
* **Not comparable.** A paper number from an unknown architecture, data size or schedule (Table 1's
  values) is shown beside ours and NOT TESTED with that reason.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from ...claims import (
    MIN_SEEDS,
    Budget,
    Claim,
    Control,
    Outcome,
    all_outcomes,
    control_passes,
    decide,
    interval_outcome,
    paired_comparison,
)
from ...tables import DATASET_LABELS, format_mean_std, mean_std
from .mnist_sweep import Plan, label
from .mnist_sweep_report import (
    BASELINES_LL,
    CONTROL,
    TABLE2_METHODS,
    TABLE3_METHODS,
    Evidence,
    NullFloor,
    _datasets,
    _table1_runs,
    gmm_grid_kl,
    log_constant,
)
from .reported import SIGMA_VAE_TABLE1_KL, SIGMA_VAE_TABLE2, SIGMA_VAE_TABLE3


class Said(NamedTuple):
    """A claim as the paper makes it: our sentence, its words (verbatim), where they stand."""
    claim: str
    quote: str
    where: str


# ------------------------------------------------------------------------- the paper's words

KL_RISES = Said("Table 1 / Fig. 1(c): KL(q̂‖p) rises as σ² falls",
                "Larger σ² values result in an aggregate posterior closer to the prior distribution",
                "§5.1, Table 1 (KL row); Fig. 1(c)")
KL_VALUES = Said("Table 1: the KL(q̂‖p) values (MNIST, 2-D latent)",
                 "D_KL(q̂(z)||p(z)) denotes the gap between the approximate aggregate posterior and the prior "
                 "distribution and is evaluated by Monte Carlo estimation of 10k samples (10 runs).",
                 "Table 1 (caption and KL row)")
GAP_PERSISTS = Said("Table 1: a gap between aggregate posterior and prior persists for every σ²",
                    "the gap between the aggregate posterior and the prior persistently exists no matter what "
                    "value σ² takes", "§5.1, Table 1")
GMM_FITS = Said("Table 1: the GMM q̂ approximates the aggregate posterior except at very small σ²",
                "except for extremely small σ² values, the Gaussian mixture model can effectively approximate the "
                "aggregate posterior", "§5.1, Table 1 (rows 'Aggregate posterior' and 'Approximate aggregate "
                "posterior')")
Q_BEATS_PRIOR_SWEEP = Said("Fig. 1(b): samples from q̂ beat samples from the prior for every σ²",
                           "For all cases the sample quality from aggregate posterior is better than that from the "
                           "prior distribution", "§5.2, Fig. 1(b)")
GAP_GROWS = Said("Fig. 1(b): the gap between prior and q̂ samples grows as σ² shrinks",
                 "the gap grows exponentially as σ² gets smaller", "§5.2, Fig. 1(b)")
ELBO_PEAKS = Said("Fig. 1(a): the ELBO peaks at the learned σ²",
                  "When σ² is optimised (indicated by a green star), the model achieves the highest ELBO",
                  "§5.2, Fig. 1(a)")
ENDS_WORSE = Said("Sec. 5.1: both ends of the σ² range are sub-optimal (a lower ELBO than the learned σ²)",
                  "Either end of the σ² value spectrum is sub-optimal: too large σ² causes severe information loss "
                  "of the input data and too small σ² leads to a marginal distribution that is overly complex. We "
                  "argue that the optimised σ² offers the best balance.", "§5.1 (Table 1); evidence in §5.2, Fig. 1")
BEST_FD = Said("Table 2 ({ds}), every method sampled from q̂: the learned σ² gives the lowest Fréchet distance",
               "For all datasets, optimising σ² achieves the best FID score.", "§5.2, Table 2")
Q_BEATS_PRIOR = Said("Fig. 2(a) ({ds}): samples from q̂ beat samples from the prior for every method",
                     "it indicates the sample quality is always better if the samples are drawn from the "
                     "approximate aggregate posterior", "§5.3, Fig. 2(a)")
LL_IMPROVES = Said("Table 3 ({ds}): optimising σ² improves the log-likelihood over VAE, β-VAE and DIP-VAE",
                   "Optimising σ² significantly improves the test LL in comparison to other learning methods.",
                   "§5.2, Table 3")
PIXEL_GAIN = Said("Table 3 ({ds}): a per-pixel variance gives a further large gain over the global σ²",
                  "there is a huge performance boost when σ² is estimated across data dimensions and by "
                  "conditioning on the input data compared to optimising a single-valued σ²",
                  "§5.2, Table 3 ('pixel' against 'dataset')")
Q_TIGHTER = Said("Table 3 ({ds}): q̂ as latent density gives a higher log-likelihood than the prior for every model",
                 "the best remedy is to replace the prior with a distribution p̂(z) that is better matched with the "
                 "amortized posterior … giving a closer bound to log p(x)",
                 "§4; Table 3 (rows 'Prior' and 'Approx. Agg. Posterior')")
VARIANCE_MAPS = Said("Fig. 3 ({ds}): high predicted σ² lines up with reconstruction errors",
                     "Note the predicted σ² highlights the region where the reconstruction is different from the "
                     "original data samples.", "§5.4, Fig. 3(a)")

#: Table 1's values were measured on an architecture, data size and schedule this run cannot match.
NOT_COMPARABLE = ("not comparable: the paper's architecture, data size and training schedule are in its missing "
                  "supplement; this run trains an MLP on {n}k images for {e} epochs")


#: Table 1's smallest σ² (its last column before the prior): the paper's "extremely small" values
#: are this and below (our grid also has 0.001).
VERY_SMALL = 0.01


# ---------------------------------------------------------------------------------- helpers

def _by_seed(runs, configs, key) -> dict:
    """seed -> a stored metric of each config."""
    return {c.seed: float(runs[c].metrics.get(key, np.nan)) for c in configs}


def _of(values: dict, configs, field: str | None = None) -> dict:
    """seed -> values[config] (or its attribute `field`) for the configs present in `values`."""
    get = (lambda v: v) if field is None else (lambda v: getattr(v, field))
    return {c.seed: float(get(values[c])) for c in configs if c in values}


def _pair(a: dict, b: dict) -> tuple[np.ndarray, np.ndarray]:
    seeds = sorted(set(a) & set(b))
    return np.array([a[s] for s in seeds]), np.array([b[s] for s in seeds])


def _outcome(a: dict, b: dict, direction: str, name: str = "", fmt: str = "{:+.3g}") -> Outcome:
    """`interval_outcome` of a - b over the seeds both have."""
    return interval_outcome(*_pair(a, b), direction, name, fmt)


_LACKS_SEEDS = re.compile(r"(\d+) seed\(s\); an interval needs")


def _all(outcomes: list[Outcome]) -> Outcome:
    """`all_outcomes`, its reason shortened to 'n seeds per comparison' only when every comparison
    lacks seeds (otherwise the undecided comparisons are named, e.g. the one-seed 'pixel σ²' column
    beside three-seed columns)."""
    o = all_outcomes(outcomes)
    if o.passed is None:
        seeds = [_LACKS_SEEDS.search(p.why) if p.passed is None else None for p in outcomes]
        if all(seeds):
            n = max(int(m.group(1)) for m in seeds)
            return Outcome(None, o.text, f"{n} seed{'s' if n != 1 else ''} per comparison: an interval needs "
                                         f">= {MIN_SEEDS}")
    return o


class Part(NamedTuple):
    """One comparison of a claim: its outcome, and the same comparison on its control (passes:
    None when not evaluated; n: the seeds the control has beside the model)."""
    outcome: Outcome
    passes: bool | None
    control: str
    n: int


def _versus(ma, mb, ca, cb, direction: str, passed: bool | None) -> tuple[bool | None, str]:
    """`claims.control_passes` (the control fails when the model's effect differs from the
    control's by a paired interval on either side, so that numbers contradicting the paper can
    FAIL), except that a comparison the interval rule passes (`passed`) stands only beyond its
    control on the claimed side: a model that does less than a control which shows the effect too
    cannot PASS."""
    passes, text = control_passes(ma, mb, ca, cb, direction)
    if passes is False and passed is True:
        own = paired_comparison(ca, cb, direction)
        beyond = paired_comparison(np.asarray(ma) - np.asarray(mb), np.asarray(ca) - np.asarray(cb), direction)
        if not (own.contradicts or beyond.supports):
            return True, f"{text}; the model is not beyond the control on the claimed side"
    return passes, text


def _part(name: str, a: dict, b: dict, ca: dict, cb: dict, direction: str, fmt: str = "{:+.3g}") -> Part:
    """The comparison a - b (seed -> value) and its control ca - cb on the seeds all four have."""
    outcome = _outcome(a, b, direction, name, fmt)
    seeds = sorted(set(a) & set(b) & set(ca) & set(cb))
    own = _outcome({s: ca[s] for s in seeds}, {s: cb[s] for s in seeds}, direction, name, fmt)
    if len(seeds) < MIN_SEEDS:
        return Part(outcome, None, own.text, len(seeds))
    arr = lambda d: np.array([d[s] for s in seeds])
    passes, text = _versus(arr(a), arr(b), arr(ca), arr(cb), direction, outcome.passed)
    return Part(outcome, passes, f"{name}: {text}" if name else text, len(seeds))


def _outcome_of(parts: list[Part]) -> Outcome:
    return _all([p.outcome for p in parts])


def _control(what: str, parts: list[Part], note: str = "") -> Control:
    """The claim's test on its control, over the comparisons the interval rule decides (all of
    them when it decides none; an undecided comparison leaves the claim NOT TESTED by itself, with
    its interval as the reason): fails when a contradicted comparison lies beyond its control (the
    claim can FAIL) or when every comparison beats its control; passes when one comparison cannot
    be told from its control; otherwise (fewer than three seeds) not evaluated. Every comparison's
    control is shown."""
    if not parts:
        raise ValueError("a control needs at least one comparison")
    value = "; ".join(p.control for p in parts) + (f"; {note}" if note else "")
    pool = [p for p in parts if p.outcome.passed is not None] or parts
    if any(p.outcome.passed is False and p.passes is False for p in pool):
        passes = False
    elif any(p.passes is True for p in pool):
        passes = True
    elif any(p.passes is None for p in pool):
        n = min(p.n for p in pool if p.passes is None)
        passes = None
        value += f" — not evaluated: {n} seed{'s' if n != 1 else ''}, a paired control needs >= {MIN_SEEDS}"
    else:
        passes = False
    return Control(what, value, passes)


def _name(c) -> str:
    return f"{label(c)} ({DATASET_LABELS[c.dataset]}, seed {c.seed})"


def learned(runs, evidence: Evidence, configs) -> tuple[bool, str]:
    """(every model beats the per-pixel-mean model on its own metric, which did not and by how much):
    the post-hoc test ELBO (a WAE: the reconstruction MSE of decoder(mu(x)))."""
    bad = []
    for c in configs:
        elbo0, mse0 = evidence.mean_image[c.dataset]
        if c.objective == "wae":
            v = evidence.wae_mse.get(c, np.nan)
            if not v < mse0:
                bad.append(f"{_name(c)} reconstruction MSE {v:.4f} ≥ {mse0:.4f} of the mean image")
        else:
            v = runs[c].metrics.get("elbo_posthoc", np.nan)
            if not v > elbo0:
                bad.append(f"{_name(c)} post-hoc test ELBO {v:.1f} ≤ {elbo0:.1f} of the per-pixel-mean model")
    more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
    return not bad, "; ".join(bad[:3]) + more


def learned_text(evidence: Evidence, configs) -> str:
    """The precondition as the test column states it."""
    ds = list(dict.fromkeys(c.dataset for c in configs))
    elbo = ", ".join(f"{evidence.mean_image[d][0]:.1f} ({DATASET_LABELS[d]})" for d in ds)
    text = f"Models learned: every model's post-hoc test ELBO above the per-pixel-mean model's ({elbo} nats)"
    if any(c.objective == "wae" for c in configs):
        mse = ", ".join(f"{evidence.mean_image[d][1]:.4f}" for d in ds)
        text += f"; the WAE's reconstruction MSE below the mean image's ({mse})"
    return text + "."


def _decide(said: Said, ds: str | None, *, paper: str, run: str, outcome: Outcome, test: str, control: Control,
            learned_: tuple[bool, str], evidence: Evidence, configs, precondition=(True, "")) -> Claim:
    fmt = (lambda s: s.format(ds=DATASET_LABELS[ds])) if ds else (lambda s: s)
    return decide(fmt(said.claim), quote=said.quote, where=said.where, paper=paper, run=run,
                  passed=outcome.passed, test=f"{test} {learned_text(evidence, configs)}", control=control,
                  learned=learned_, precondition=precondition, why=outcome.why)


# ------------------------------------------------------------------------------- the sweep

def _sweep_groups(plan: Plan) -> dict:
    """label -> the sweep's configs of that σ² (fixed, largest first, then the learned ones), over seeds."""
    groups = {}
    fixed = sorted({c.sigma2 for c in plan.sweep if c.sigma_mode == "fixed"}, reverse=True)
    for s2 in fixed:
        groups[f"σ²={s2:g}"] = [c for c in plan.sweep if c.sigma_mode == "fixed" and c.sigma2 == s2]
    for mode, name in (("closed_form", "learned σ² (Eq. 9)"), ("adam", "learned σ² (Adam)")):
        cs = [c for c in plan.sweep if c.sigma_mode == mode]
        if cs:
            groups[name] = cs
    return groups


def _fixed(groups: dict) -> dict:
    return {k: v for k, v in groups.items() if k.startswith("σ²=")}


def _mean(d: dict) -> float:
    return float(np.mean(list(d.values()))) if d else float("nan")


def _init_of(evidence: Evidence, configs) -> dict:
    """seed -> InitNet for the configs' (dataset, zdim, seed)."""
    return {c.seed: evidence.init[(c.dataset, c.zdim, c.seed)] for c in configs
            if (c.dataset, c.zdim, c.seed) in evidence.init}


def _untrained(evidence: Evidence, configs, field: str) -> dict:
    """seed -> the untrained network's own draw (`UntrainedDraw.field`) at these configs' place."""
    return _of(evidence.untrained, configs, field)


def _best_per_seed(dicts) -> dict:
    """seed -> the largest value over several seed -> value dicts (seeds all of them have)."""
    dicts = list(dicts)
    seeds = set.intersection(*(set(d) for d in dicts)) if dicts else set()
    return {s: max(d[s] for d in dicts) for s in seeds}


def _grid_kl(runs, configs) -> dict:
    """seed -> KL(exact aggregate posterior ‖ q̂) on the stored density grid."""
    return {c.seed: gmm_grid_kl(runs[c]) for c in configs if "log_q_exact" in runs[c].arrays}


def sweep_claims(plan: Plan, runs, null: NullFloor, evidence: Evidence) -> list[Claim]:
    """Table 1 and Fig. 1 (MNIST, 2-D latent)."""
    g = _sweep_groups(plan)
    fx = _fixed(g)
    every = list(plan.sweep)
    ok = learned(runs, evidence, every)
    out = []
    kw = dict(learned_=ok, evidence=evidence, configs=every)
    eq9 = g.get("learned σ² (Eq. 9)", [])
    init = _init_of(evidence, g[next(iter(fx))])
    log = lambda d: {s: float(np.log(v)) for s, v in d.items()}

    # KL(q̂||p) rises at every step of the fixed grid toward small σ²
    kl = {k: _by_seed(runs, cs, "kl_agg") for k, cs in fx.items()}
    untrained_kl = {k: _untrained(evidence, cs, "kl_agg") for k, cs in fx.items()}
    steps = list(zip(fx, list(fx)[1:]))
    parts = [_part(f"{small} vs {big}", log(kl[small]), log(kl[big]), log(untrained_kl[small]),
                   log(untrained_kl[big]), "greater") for big, small in steps]
    u = [v for d in untrained_kl.values() for v in d.values()]
    out.append(_decide(
        KL_RISES, None, paper="0.094 (σ²=1), 0.132 (0.5), 0.422 (learned 0.035), 1.552 (0.01)",
        run="KL(q̂‖p): " + ", ".join(f"{k[3:]} {_mean(v):.3f}" for k, v in kl.items())
            + f". Log-ratio per step: {_outcome_of(parts).text}",
        outcome=_outcome_of(parts),
        test="Each step of the fixed σ² grid toward smaller σ²: log KL(q̂‖p) higher, paired over seeds.",
        control=_control("the untrained network (the same for every σ²) with, per σ², its own draw of the aggregate "
                         "posterior, its own GMM seed and its own Monte-Carlo seed (KL(q̂‖p) "
                         + (f"{min(u):.3f}–{max(u):.3f}" if u else "—") + ")", parts), **kw))

    # Table 1's values: shown, not comparable
    t1 = _table1_runs(plan, runs)
    base = plan.sweep[0]
    out.append(_decide(
        KL_VALUES, None,
        paper=", ".join(f"{k if k == 'learned' else f'{k:g}'}: {SIGMA_VAE_TABLE1_KL[k][0]}" for k in t1),
        run=", ".join(f"{k if k == 'learned' else f'{k:g}'}: {r.metrics['kl_agg']:.3f} "
                      f"(×{r.metrics['kl_agg'] / SIGMA_VAE_TABLE1_KL[k][0]:.2f} the paper's)" for k, r in t1.items()),
        outcome=Outcome(None, "", "not comparable"), test="None: the values are shown beside the paper's.",
        control=Control("none", "not evaluated: the values are not comparable", None),
        precondition=(False, NOT_COMPARABLE.format(n=base.n_train // 1000, e=base.epochs)), **kw))

    # a gap persists: every model's KL(q̂||p) above the null floor (GMM fitted to N(0, I) draws)
    floor = dict(enumerate(null.values))
    again = dict(enumerate(evidence.null_again.values)) if evidence.null_again else {}
    parts = [_part(k, dict(enumerate(_by_seed(runs, cs, "kl_agg").values())), floor, again, floor, "greater",
                   "{:+.3f}") for k, cs in g.items()]
    low = min(g, key=lambda k: _mean(_by_seed(runs, g[k], "kl_agg")))
    out.append(_decide(
        GAP_PERSISTS, None, paper="KL(q̂‖p) > 0 in every column (0.094 at σ² = 1)",
        run=f"smallest KL(q̂‖p): {low} {_mean(_by_seed(runs, g[low], 'kl_agg')):.3f}; null floor {null}. "
            f"{_outcome_of(parts).text}",
        outcome=_outcome_of(parts),
        test="For every sweep model: KL(q̂‖p) − the null floor's KL (a GMM of the same size fitted to draws "
             "of N(0, I), paired by seed) > 0 over seeds.",
        control=_control("a GMM fitted to fresh draws of N(0, I) (KL "
                         + (", ".join(f"{v:.3f}" for v in evidence.null_again.values) if evidence.null_again else "—")
                         + ") in place of a model", parts), **kw))

    # the GMM approximates the exact aggregate posterior, except at very small σ²
    if eq9:
        grid = {k: _grid_kl(runs, cs) for k, cs in g.items()}
        small = [k for k in fx if float(k[3:]) <= VERY_SMALL]
        refit, stored = _of(evidence.gmm_refit, eq9), grid["learned σ² (Eq. 9)"]
        parts = [_part(f"{k} − learned (Eq. 9)", grid[k], stored, refit, stored, "greater", "{:+.3f}") for k in small]
        box = plan.base.density_box
        o = _outcome_of(parts) if parts else Outcome(None, "", f"the grid has no σ² ≤ {VERY_SMALL:g}")
        out.append(_decide(
            GMM_FITS, None, paper="visual (Table 1's two rows)",
            run="KL(exact ‖ q̂) over the density grid's cells: " + ", ".join(
                f"{k} {_mean(v):.3f}" for k, v in grid.items()) + f". {o.text}",
            outcome=o,
            test=f"KL(exact aggregate posterior ‖ q̂) over the cells of the stored density grid "
                 f"({plan.base.density_grid}² over ±{box:g}), at every fixed σ² ≤ {VERY_SMALL:g} (Table 1's "
                 "smallest) − at the learned σ² (Eq. 9) > 0, paired over seeds.",
            control=_control("the learned σ² (Eq. 9) on both sides: its q̂ refitted to a second draw of its aggregate "
                             "posterior with another k-means seed, against its stored q̂ (q̂'s own fit noise)",
                             parts) if parts else Control("none", "not evaluated: no σ² that small", None), **kw))

    # Fig. 1(b): q̂ samples beat prior samples for every σ²
    parts = [_part(k, _by_seed(runs, cs, "fd_prior"), _by_seed(runs, cs, "fd_agg"), _by_seed(runs, cs, "fd_prior"),
                   _of(evidence.fd_null, cs), "greater", "{:+.2f}") for k, cs in g.items()]
    out.append(_decide(
        Q_BEATS_PRIOR_SWEEP, None, paper="blue (q̂) below red (prior) at every σ²",
        run=f"FD(prior) − FD(q̂): {_outcome_of(parts).text}", outcome=_outcome_of(parts),
        test="For every sweep model: FD(prior samples) − FD(q̂ samples) > 0, paired over seeds.",
        control=_control("each decoder sampled from a GMM fitted to N(0, I) draws in place of q̂; FD(prior) − FD(that)",
                         parts), **kw))

    # Fig. 1(b): the gap grows as σ² shrinks (smallest against largest σ² of the grid)
    big, small = next(iter(fx)), list(fx)[-1]
    gap = lambda cs, other: {s: p - other[s] for s, p in _by_seed(runs, cs, "fd_prior").items() if s in other}
    part = _part(f"gap at {small} − gap at {big}", gap(fx[small], _by_seed(runs, fx[small], "fd_agg")),
                 gap(fx[big], _by_seed(runs, fx[big], "fd_agg")), gap(fx[small], _of(evidence.fd_null, fx[small])),
                 gap(fx[big], _of(evidence.fd_null, fx[big])), "greater", "{:+.1f}")
    out.append(_decide(
        GAP_GROWS, None, paper="gap grows 'exponentially' as σ² → 0",
        run="FD(prior) − FD(q̂): " + ", ".join(
            f"{k} {_mean(gap(cs, _by_seed(runs, cs, 'fd_agg'))):.1f}" for k, cs in fx.items())
            + f". {part.outcome.text}",
        outcome=_outcome_of([part]),
        test=f"The gap FD(prior) − FD(q̂) at the smallest σ² of the grid ({small[3:]}) minus the gap at the "
             f"largest ({big[3:]}) > 0, paired over seeds.",
        control=_control("the same with a GMM fitted to N(0, I) draws in place of q̂", [part]), **kw))

    # Fig. 1(a): the learned σ² has the highest ELBO, each model at its own best σ² (post hoc)
    post = {k: _by_seed(runs, cs, "elbo_posthoc") for k, cs in g.items()}
    best = _best_per_seed(post[k] for k in fx)
    post_again = {k: _of(evidence.posthoc_again, cs) for k, cs in g.items()}
    learned_groups = [k for k in g if k not in fx]
    parts = [_part(f"{k} − best fixed", post[k], best, post_again[k], post[k], "greater", "{:+.2f}")
             for k in learned_groups]
    best_key = max(fx, key=lambda k: _mean(post[k]))
    own = {k: _mean(_by_seed(runs, cs, "elbo")) for k, cs in g.items()}
    own_best = max(fx, key=lambda k: own[k])
    init_gap = _mean({s: n.elbo_eq9 - max(n.elbo_fixed[float(k[3:])] for k in fx if float(k[3:]) in n.elbo_fixed)
                      for s, n in init.items()})
    out.append(_decide(
        ELBO_PEAKS, None, paper="Fig. 1(a): green star highest",
        run="test ELBO at each model's best σ² (post hoc): " + ", ".join(
            f"{k} {_mean(post[k]):.2f}" for k in learned_groups) + f" vs the best fixed σ² of each seed "
            f"{_mean(best):.2f} (on the mean over seeds {best_key}, {_mean(post[best_key]):.2f}); "
            f"{_outcome_of(parts).text}. Observation, not the test: at each model's own "
            "σ² (the paper's Fig. 1(a)) " + ", ".join(f"{k} {own[k]:.1f}" for k in learned_groups)
            + f" vs {own_best} {own[own_best]:.1f}; on the untrained networks that comparison alone gives the Eq. 9 σ² "
            f"({_mean({s: n.sigma2_eq9 for s, n in init.items()}):.3f}) {init_gap:+.1f} nats over the best fixed σ², "
            "from −(d/2) log 2πσ² and the 1/(2σ²) weighting alone",
        outcome=_outcome_of(parts),
        test="Like with like: each learned model's test ELBO at its best single σ² (post hoc, closed form on the test "
             "images) − the best fixed σ²'s, paired over seeds (at each model's own σ² the comparison is σ² "
             "bookkeeping: Eq. 9 maximises the ELBO over σ² for any fixed networks).",
        control=_control("each learned model against itself: its post-hoc test ELBO from a second, independent "
                         "Monte-Carlo draw of z in place of the best fixed σ²'s (the estimate's own noise)", parts),
        **kw))

    # Sec. 5.1: both ends of the grid are sub-optimal (post-hoc ELBO below the learned σ²'s)
    if eq9:
        lk = "learned σ² (Eq. 9)"
        parts = [_part(f"{lk} − {end}", post[lk], post[end], post_again[lk], post[lk], "greater", "{:+.2f}")
                 for end in (big, small)]
        o, run = _outcome_of(parts), (
            "test ELBO at each model's best σ² (post hoc): " + ", ".join(f"{k} {_mean(post[k]):.2f}" for k in
                                                                        (big, small, lk))
            + f". {_outcome_of(parts).text}. Observation, not the test: FD from q̂ "
            + ", ".join(f"{k} {_mean(_by_seed(runs, cs, 'fd_agg')):.1f}" for k, cs in g.items()))
        control = _control("the learned model against itself: its post-hoc test ELBO from a second, independent "
                           "Monte-Carlo draw of z in place of each end's (the estimate's own noise)", parts)
    else:
        o = Outcome(None, "", "the sweep has no learned σ² (Eq. 9) model")
        control, run = Control("none", "not evaluated: no learned σ² (Eq. 9) model", None), "—"
    out.append(_decide(
        ENDS_WORSE, None, paper="'either end … is sub-optimal'; 'the optimised σ² offers the best balance'", run=run,
        outcome=o,
        test=f"Like with like: the learned σ² (Eq. 9) model's test ELBO at its best single σ² (post hoc) − that of the "
             f"largest ({big[3:]}) and of the smallest ({small[3:]}) σ² of the grid > 0, each paired over seeds, "
             "both must hold.", control=control, **kw))
    return out


# ------------------------------------------------------------------------- the 16-D block

def _table(plan: Plan, ds: str) -> dict:
    return {m: cs for (d, m), cs in plan.table.items() if d == ds}


def comparison_claims(plan: Plan, runs, evidence: Evidence, ds: str) -> list[Claim]:
    """Table 2, Fig. 2(a) and Table 3 on one dataset (16-D latent)."""
    t = _table(plan, ds)
    out = []
    t2 = [c for n, m in TABLE2_METHODS.items() for c in t[m]]
    ours = t["dataset σ²"]

    # Table 2: the learned σ² has the lowest FD, every method from q̂
    fd = {n: _by_seed(runs, t[m], "fd_agg") for n, m in TABLE2_METHODS.items()}
    again = _of(evidence.fd_again, ours)
    parts = [_part(f"Ours − {n}", fd["Ours"], v, fd["Ours"], again, "less", "{:+.2f}")
             for n, v in fd.items() if n != "Ours"]
    paper = SIGMA_VAE_TABLE2[ds]
    best = min(v for k, v in paper.items() if k not in ("Ours", "Real images"))
    out.append(_decide(
        BEST_FD, ds, paper=f"Ours {paper['Ours']} (from q̂) vs ≥ {best}",
        run="FD from q̂: " + ", ".join(f"{n} {format_mean_std(*mean_std(v.values()), digits=2)}" for n, v in fd.items())
            + f". {_outcome_of(parts).text}", outcome=_outcome_of(parts),
        test="Every method sampled from q̂ (like with like): FD(Ours) − FD(baseline) < 0 for each baseline, paired "
             "over seeds.",
        control=_control("Ours against itself: a second, independent draw of its q̂ samples in place of each baseline",
                         parts), learned_=learned(runs, evidence, t2), evidence=evidence, configs=t2))

    # Fig. 2(a): q̂ beats the prior for every method
    parts = [_part(n, _by_seed(runs, t[m], "fd_prior"), _by_seed(runs, t[m], "fd_agg"),
                   _by_seed(runs, t[m], "fd_prior"), _of(evidence.fd_null, t[m]), "greater", "{:+.2f}")
             for n, m in TABLE2_METHODS.items()]
    moment = [f"{DATASET_LABELS[c.dataset]} seed {c.seed}: {(runs[c].metrics['fd_prior'] - mm.fd) / g:.0%}"
              for c, mm in evidence.moment.items() if c in ours
              for g in [runs[c].metrics["fd_prior"] - runs[c].metrics["fd_agg"]] if g > 0]
    out.append(_decide(
        Q_BEATS_PRIOR, ds, paper="blue below orange for all 4 methods",
        run=f"FD(prior) − FD(q̂): {_outcome_of(parts).text}"
            + (". Observation: a Gaussian with q̂'s mean and covariance gives Ours this share of q̂'s gain over the "
               "prior: " + ", ".join(moment) if moment else ""),
        outcome=_outcome_of(parts), test="For every method: FD(prior samples) − FD(q̂ samples) > 0, paired over seeds.",
        control=_control("each decoder sampled from a GMM fitted to N(0, I) draws in place of q̂; FD(prior) − FD(that)",
                         parts), learned_=learned(runs, evidence, t2), evidence=evidence, configs=t2))

    # Table 3: the learned σ² has a higher log-likelihood than VAE, β-VAE, DIP-VAE (like with like)
    t3 = [c for m in ("dataset σ²",) + BASELINES_LL for c in t[m]]
    post = {m: _by_seed(runs, t[m], "elbo_posthoc") for m in ("dataset σ²",) + BASELINES_LL}
    untrained_post = {m: _untrained(evidence, t[m], "elbo_posthoc") for m in ("dataset σ²",) + BASELINES_LL}
    parts = [_part(f"dataset σ² − {m}", post["dataset σ²"], post[m], untrained_post["dataset σ²"], untrained_post[m],
                   "greater", "{:+.1f}") for m in BASELINES_LL]
    init = _init_of(evidence, ours)
    own = {s: n.elbo_eq9 - n.elbo_fixed[0.5] for s, n in init.items()}
    iwae = {m: _mean(_by_seed(runs, t[m], "iwae_prior")) for m in ("dataset σ²",) + BASELINES_LL}
    s2 = _mean(_by_seed(runs, ours, "sigma2"))
    paper3 = SIGMA_VAE_TABLE3[(ds, "prior")]
    out.append(_decide(
        LL_IMPROVES, ds, paper=", ".join(f"{m} {paper3[m]}" for m in ("dataset σ²",) + BASELINES_LL),
        run="IWAE: " + ", ".join(f"{m} {v:.0f}" for m, v in iwae.items())
            + f" (−(d/2) log 2πσ² alone: {log_constant(s2):.0f}, {log_constant(0.5):.0f}, {log_constant(1.0):.0f}, "
              f"{log_constant(0.5):.0f}). Post-hoc test ELBO: {_outcome_of(parts).text}",
        outcome=_outcome_of(parts),
        test="Like with like: the test ELBO at each model's best single σ² (post hoc, which removes the σ² "
             "constant), dataset σ² − each baseline > 0, paired over seeds.",
        control=_control("the networks at initialisation (every method's, same seed) with their own Monte-Carlo draw "
                         "per method: the same post-hoc test", parts,
                         note=f"the paper's comparison at each model's own σ² would already give the untrained Eq. 9 "
                              f"σ² {_mean(own):+.0f} nats over σ² = 0.5"),
        learned_=learned(runs, evidence, t3), evidence=evidence, configs=t3))

    # Table 3: per-pixel variance beats the global σ², on the same networks and against a control trained as long
    out.append(_pixel_claim(runs, evidence, t, ds))

    # Table 3: q̂ as latent density beats the prior for every model
    cols = [c for m in TABLE3_METHODS for c in t[m]]
    null = {m: _of_pairs(evidence.iwae_null, t[m]) for m in TABLE3_METHODS}
    parts = [_part(m, _by_seed(runs, t[m], "iwae_agg"), _by_seed(runs, t[m], "iwae_prior"),
                   {s: v[0] for s, v in null[m].items()}, {s: v[1] for s, v in null[m].items()}, "greater", "{:+.2f}")
             for m in TABLE3_METHODS]
    out.append(_decide(
        Q_TIGHTER, ds, paper="q̂ row − prior row: +16, +15, +1, 0, +1 (MNIST); +12, +16, +1, 0, +1 (Fashion-MNIST)",
        run=f"IWAE(q̂) − IWAE(prior): {_outcome_of(parts).text}", outcome=_outcome_of(parts),
        test="For every Table 3 column: IWAE with q̂ − IWAE with the prior > 0, paired over seeds.",
        control=_control("a GMM fitted to N(0, I) draws as the latent density in place of q̂; IWAE(that) − IWAE(prior)",
                         parts), learned_=learned(runs, evidence, cols), evidence=evidence, configs=cols))
    return out


def _of_pairs(values: dict, configs) -> dict:
    return {c.seed: values[c] for c in configs if c in values}


def _pixel_claim(runs, evidence: Evidence, t: dict, ds: str) -> Claim:
    """(1) the stage-2 model's test ELBO with its per-pixel variance > with the best single σ² for
    the same networks; (2) its IWAE > that of the global-σ² model trained as many epochs. Control,
    of part (2) only: the stage-1 model as a stage 2 that has not started (every pixel's variance
    σ²_dataset) against the model trained as long. Part (1) has no control: the stage-1 model
    scored with σ²_dataset can never beat the best single σ² for its own networks (post hoc, the
    optimum on the test images), so that control would fail by construction."""
    pix, stage1 = t["pixel σ²"], t["dataset σ²"]
    one = _outcome(_by_seed(runs, pix, "elbo"), _by_seed(runs, pix, "elbo_posthoc"), "greater",
                   "(1) per-pixel − best single σ² (same networks, test ELBO)", "{:+.1f}")
    configs = list(pix) + list(stage1)
    epochs = pix[0].epochs + pix[0].stage2_epochs
    test = ("(1) the stage-2 model's test ELBO with its per-pixel variance − with the best single σ² for the same "
            "networks (post hoc) > 0")
    by_construction = ("part (1) has no control: the stage-1 model scored with σ²_dataset per pixel can never beat the "
                       "best single σ² for its own networks (the post-hoc optimum), so that control fails by "
                       "construction")
    if CONTROL in t:
        long = t[CONTROL]
        configs += list(long)
        two = _part(f"(2) IWAE pixel − global σ² trained as long ({epochs} epochs)", _by_seed(runs, pix, "iwae_prior"),
                    _by_seed(runs, long, "iwae_prior"), _by_seed(runs, stage1, "iwae_prior"),
                    _by_seed(runs, long, "iwae_prior"), "greater", "{:+.1f}")
        test += (f"; (2) IWAE of the per-pixel model − the global-σ² model trained as many epochs ({epochs}) > 0 "
                 "(training length alone is not the gain); both paired over seeds, both must hold.")
        o = _all([one, two.outcome])
        control = _control("part (2) with the stage-1 model as a stage 2 that has not started (every pixel's variance "
                           "σ²_dataset, the stage-2 start) in place of the per-pixel model", [two],
                           note=by_construction)
    else:
        test += "; (2) not run: no global-σ² control trained as long in this plan."
        o = _all([one])
        control = Control("none", f"not evaluated: no global-σ² model trained as long in this plan; {by_construction}",
                          None)
    paper = SIGMA_VAE_TABLE3[(ds, "prior")]
    return _decide(
        PIXEL_GAIN, ds, paper=f"pixel {paper['pixel σ²']} vs dataset {paper['dataset σ²']}",
        run=f"IWAE pixel {_mean(_by_seed(runs, pix, 'iwae_prior')):.0f}, dataset σ² "
            f"{_mean(_by_seed(runs, stage1, 'iwae_prior')):.0f}"
            + (f", as long {_mean(_by_seed(runs, t[CONTROL], 'iwae_prior')):.0f}" if CONTROL in t else "")
            + f". {o.text}", outcome=o, test=test, control=control,
        learned_=learned(runs, evidence, configs), evidence=evidence, configs=configs)


def variance_claim(plan: Plan, runs, evidence: Evidence) -> Claim:
    """Fig. 3: per stage-2 seed, r(σ², error²) − r(m(1−m), error²) over `FIG3_IMAGES` test images
    (`mnist_sweep_report.evidence`; the figure shows eight); control: the σ² maps paired with the
    next image's errors (shuffled pairs)."""
    ds = plan.sweep[0].dataset
    pix = plan.table[(ds, "pixel σ²")]
    checks = {c.seed: evidence.variance[c] for c in pix if c in evidence.variance}
    field = lambda k: {s: v[k] for s, v in checks.items()}
    part = _part("r(σ², error²) − r(m(1−m), error²)", field("r_model"), field("r_baseline"), field("r_shuffled"),
                 field("r_baseline"), "greater", "{:+.3f}")
    if checks:
        s0, first = next(iter(checks.items()))
        run = (f"seed {s0}: r(σ², error²) = {first['r_model']:.2f}, r(m(1−m), error²) = {first['r_baseline']:.2f}, "
               f"difference 95% bootstrap over its {first['images']} test images [{first['low']:+.2f}, "
               f"{first['high']:+.2f}]; held-out NLL per pixel {first['nll_pixel']:.2f} (predicted σ²) vs "
               f"{first['nll_global']:.2f} (best single σ²). {part.outcome.text}")
        o = _outcome_of([part])
        if o.passed is False:
            # the test asks more than the paper's words (a learned map that beats a parameter-free one): its
            # failure does not contradict them, and the parameter-free map meets them as well, so the words
            # are not decided here (a PASS of the stronger test would decide them)
            o = Outcome(None, o.text, (
                f"the learned map does not beat the parameter-free m(1−m) (the stronger test fails: {o.text}); the "
                f"paper's words, that σ² highlights where the reconstruction differs, hold for m(1−m) as well "
                f"(r = {_mean(field('r_baseline')):.2f} against the learned map's "
                f"{_mean(field('r_model')):.2f}), so on these models they do not tell a learned "
                "uncertainty from a shortcut; nothing here contradicts them"))
        control = _control("shuffled pairs: each image's σ² map against the next image's errors", [part])
    else:
        o = Outcome(None, "", "no stage-2 variance maps were evaluated")
        run, control = "—", Control("none", "not evaluated: no stage-2 variance maps", None)
    return _decide(
        VARIANCE_MAPS, ds, paper="visual (strokes' ends)", run=run, outcome=o,
        test="r(predicted σ², squared error) over the first test images above the parameter-free baseline "
             "r(m(1−m) of the decoder mean, squared error), paired over the stage-2 model's seeds. A test stronger "
             "than the paper's words: a PASS decides them, a failure leaves them NOT TESTED (m(1−m) meets them too).",
        control=control, learned_=learned(runs, evidence, pix), evidence=evidence, configs=pix)


# ---------------------------------------------------------------------------------- all of them

def claims(plan: Plan, runs, null: NullFloor, evidence: Evidence) -> list[Claim]:
    """Every claim of notebook 02, in the notebook's order. `null` is
    `mnist_sweep_report.kl_null_floor(plan.sweep[0])`, `evidence` `mnist_sweep_report.evidence(plan, runs)`."""
    out = sweep_claims(plan, runs, null, evidence)
    for ds in _datasets(plan):
        out += comparison_claims(plan, runs, evidence, ds)
    out.append(variance_claim(plan, runs, evidence))
    return out


# ------------------------------------------------------------------------------ budget per claim

#: [measured] core-seconds of one model, training and evaluation, one thread on this 2-core AMD EPYC
#: (benchmarks/README.md, σ-VAE: 15–18 s of training and 5–12 s of evaluation per 8-epoch model on
#: 10k images; a stage-2 model trains 8 + 8 epochs, and its control as long).
MODEL_SECONDS = 30.0
STAGE2_SECONDS = 50.0
_BASIS = "per-model seconds of benchmarks/README.md (σ-VAE), one thread (MODEL_SECONDS in mnist_sweep_claims)"
_SWEEP = 8  # six fixed σ², the learned σ² by Eq. 9 and by Adam


def budget() -> list[Budget]:
    """Every claim of notebook 02 (any profile), the models that decide it, their cost on this CPU
    and the profile that decides it."""
    sweep = MIN_SEEDS * _SWEEP * MODEL_SECONDS / 60
    table2 = MIN_SEEDS * 5 * MODEL_SECONDS / 60
    pixel = MIN_SEEDS * 2 * STAGE2_SECONDS / 60 + MIN_SEEDS * MODEL_SECONDS / 60
    fashion = MIN_SEEDS * (5 * MODEL_SECONDS + 2 * STAGE2_SECONDS) / 60
    s = f"the σ² sweep on MNIST ({_SWEEP} models) on {MIN_SEEDS} seeds"
    rows = [Budget(prefix, s, sweep, "quick", _BASIS) for prefix in (
        "Table 1 / Fig. 1(c)", "Table 1: a gap", "Table 1: the GMM", "Fig. 1(b)", "Fig. 1(a)", "Sec. 5.1")]
    rows += [
        Budget("Table 1: the KL(q̂‖p) values", "nothing a budget here buys: the paper's architecture, data size and "
               "schedule are in its missing supplement, so its numbers are not comparable with any run of ours",
               sweep, "not decidable here", _BASIS),
        Budget("Table 2 (MNIST)", f"Table 2's five methods on MNIST, {MIN_SEEDS} seeds", table2, "quick", _BASIS),
        Budget("Fig. 2(a) (MNIST)", "the same models as Table 2 (MNIST)", table2, "quick", _BASIS),
        Budget("Table 3 (MNIST): optimising σ²", "the same models as Table 2 (MNIST)", table2, "quick", _BASIS),
        Budget("Table 3 (MNIST): a per-pixel variance", f"the stage-2 'pixel σ²' model and the global σ² trained as "
               f"long, {MIN_SEEDS} seeds (the quick profile trains one)", pixel, "extended", _BASIS),
        Budget("Table 3 (MNIST): q̂ as latent density", f"every Table 3 model incl. the stage-2 one, {MIN_SEEDS} seeds",
               pixel, "extended", _BASIS),
        Budget("Fig. 3 (MNIST)", f"the stage-2 'pixel σ²' model, {MIN_SEEDS} seeds", pixel, "extended", _BASIS),
    ]
    for prefix in ("Table 2 (Fashion-MNIST)", "Fig. 2(a) (Fashion-MNIST)", "Table 3 (Fashion-MNIST)"):
        rows.append(Budget(prefix, f"Fashion-MNIST's seven models (Table 2's five, the stage-2 model and its control), "
                           f"{MIN_SEEDS} seeds", fashion, "extended", _BASIS))
    return rows
