"""Bad seeds are refused by every experiment's `make_plan`, before any work: a negative seed, one
past numpy's and torch's range, a fraction, text, a bool, a seed given twice. (A user's
`seeds=[-1]` used to pass every plan and fail only after minutes of training.)"""

import pytest

from companion.config import SEED_LIMIT, positive_seeds
from companion.papers.dpvae import pockets_leaks
from companion.papers.selfvae import sketch_experiment
from companion.papers.sigma_vae import mnist_sweep
from companion.papers.soft_introvae import ood, toy2d
from companion.papers.sos_vae import structured_noise

PLANNERS = {"01": toy2d.make_plan, "02": mnist_sweep.make_plan, "03": pockets_leaks.make_plan,
            "04": sketch_experiment.make_plan, "05": ood.make_plan, "06": structured_noise.make_plan}
BAD = {"negative": [-1], "too large": [SEED_LIMIT], "a fraction": [0.5], "text": ["one"], "a bool": [True],
       "twice": [0, 1, 0]}


@pytest.mark.parametrize("notebook", PLANNERS)
@pytest.mark.parametrize("case", BAD)
def test_every_plan_refuses_a_bad_seed_before_any_work(notebook, case):
    with pytest.raises(ValueError, match="seed"):
        PLANNERS[notebook]("quick", seeds=BAD[case])


@pytest.mark.parametrize("notebook", PLANNERS)
def test_every_plan_takes_good_seeds(notebook):
    assert PLANNERS[notebook]("quick", seeds=[0, 1, SEED_LIMIT - 1]) is not None


def test_positive_seeds_keeps_integers_and_says_what_is_wrong():
    import numpy as np

    assert positive_seeds([3, np.int64(4)]) == (3, 4)
    with pytest.raises(ValueError, match=r"integers in \[0, 2\*\*32\), got -1"):
        positive_seeds([0, -1])
    with pytest.raises(ValueError, match="given twice"):
        positive_seeds([2, 2])
    with pytest.raises(ValueError, match="at least one seed"):
        positive_seeds([])
