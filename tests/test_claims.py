"""The claims of notebook 01 pass and fail on the numbers they are given."""


import pandas as pd
import pytest

from companion.claims import Claim, claims_table
from companion.papers.soft_introvae import toy2d as toy
from companion.papers.soft_introvae import toy2d_report as report


def _history(n_iter, **finals):
    steps = list(range(99, n_iter, 100))
    return pd.DataFrame({"step": steps, **{k: [v] * len(steps) for k, v in finals.items()}})


def _fake_runs(plan, off_support, modes, density, kl_real, kl_fake, kl_by_m, soft_kl_by_seed, collapse):
    runs = {}
    for c in plan.all_runs:
        metrics = {"kl": 1.0, "jsd": 1.0, "gnelbo": 1.0, "off_support": off_support.get(c.method, 0.0),
                   "modes_covered": modes.get(c.method, 8),
                   "density_off_support": density.get(c.method, 0.0)}
        hist = {"kl_real": kl_real, "kl_fake": kl_fake}
        if c in plan.fig3 and c.method == "introvae":
            metrics["kl"] = metrics["jsd"] = kl_by_m[c.m]
        if c in plan.fig3 and c.method == "sintrovae":
            metrics["kl"] = metrics["jsd"] = soft_kl_by_seed[c.seed]
        if c in plan.fig21:
            hist["kl_real"] = collapse[c.method]
        runs[c] = toy.Run(c, None, _history(c.n_iter, **hist), metrics, {}, True, 0.0)
    return runs


GOOD = dict(off_support={"vae": 0.4, "sintrovae": 0.05}, modes={"sintrovae": 8},
            density={"vae": 0.5, "sintrovae": 0.1}, kl_real=1.0,
            kl_fake=2.0, kl_by_m={1.0: 2.0, 2.0: 9.0, 5.0: 30.0, 10.0: 80.0},
            soft_kl_by_seed={0: 1.2, 1: 1.4}, collapse={"vae": 0.01, "sintrovae": 0.8})


def verdicts(**changes):
    plan = toy.make_plan("quick")
    runs = _fake_runs(plan, **{**GOOD, **changes})
    return [c.verdict for c in report.claims(plan, runs)]


def test_all_quick_claims_pass_on_good_numbers():
    assert verdicts() == ["PASS", "PASS", "PASS", "PASS", "PASS", "not tested"]


@pytest.mark.parametrize("changes, index", [
    (dict(off_support={"vae": 0.4, "sintrovae": 0.3}), 0),   # not far fewer off-support samples
    (dict(modes={"sintrovae": 7}), 0),                      # a mode missed
    (dict(density={"vae": 0.5, "sintrovae": 0.3}), 1),      # VAE density not far more off-support
    (dict(collapse={"vae": 0.2, "sintrovae": 0.8}), 2),     # the VAE did not collapse
    (dict(collapse={"vae": 0.01, "sintrovae": 0.01}), 2),   # S-IntroVAE collapsed too
    (dict(kl_fake=0.5), 3),                                 # kl_fake < kl_real
    (dict(kl_by_m={1.0: 2.0, 2.0: 2.1, 5.0: 2.2, 10.0: 2.0}), 4),  # IntroVAE insensitive to m
])
def test_each_claim_fails_when_its_numbers_say_so(changes, index):
    assert verdicts(**changes)[index] == "FAIL"


def test_claims_table_columns():
    t = claims_table([Claim("c", "p", "r", None, "t"), Claim("c2", "p", "r", True)])
    assert list(t.columns) == ["claim", "paper", "this run", "test", "verdict"]
    assert list(t.verdict) == ["not tested", "PASS"]


def test_show_claims_saves_the_table_and_prints_one_verdict_per_claim(tmp_path, capsys):
    from companion.claims import show_claims

    claims = [Claim("a holds", "1", "1.0", True), Claim("b holds", "2", "0.1", False),
              Claim("c holds", "3", "-", None)]
    show_claims(claims, tmp_path)
    printed = capsys.readouterr().out.splitlines()[-3:]
    assert [line.split()[0] for line in printed] == ["PASS", "FAIL", "not"]
    assert (tmp_path / "claims.csv").read_text().count("\n") == 4
