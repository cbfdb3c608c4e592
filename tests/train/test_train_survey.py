"""A survey of fits through the public API: hand-written flows on data from them or from
nearby families, each fit checked against an independent maximum-likelihood fit of the
same model (scipy.optimize on a log-density written by hand, train_survey_cases.py).

What each fit must do: not crash; reach the oracle's maximum of the training
log-likelihood (within 1e-3 nats, or beat it; a stack of layers: a local maximum within
1 nat, converged or stopped with the reason); report converged when it stops at that
maximum; give a log-likelihood that the hand-written density agrees with at its
parameters; and score held-out data as well as the oracle's parameters do.

The CI subset is one derandomised case (data leaving the support at the default start);
the whole survey (every case × five data seeds, n = 5,000) runs with
``SYMFLOW_TRAIN_SURVEY=1``::

    SYMFLOW_TRAIN_SURVEY=1 python -m pytest tests/train/test_train_survey.py -p no:cacheprovider
"""

from __future__ import annotations

import os

import numpy as np
import pytest

# tests/train is on sys.path
from train_survey_cases import BY_NAME, CASES, Case, loglik, oracle_fit

LONG = os.environ.get("SYMFLOW_TRAIN_SURVEY") == "1"
#: nats by which a fit may fall short of the oracle's maximum
SHORT = 1e-3

_flows: dict[str, object] = {}


def _flow(case: Case):
    if case.name not in _flows:
        _flows[case.name] = case.build()
    return _flows[case.name]


def check(case: Case, seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    data, held_out = case.sample(rng, n), case.sample(rng, n)
    X = _flow(case)
    fit = X.fit(data)
    theirs, best = oracle_fit(case, data)
    mine = {k: fit.params[k] for k in case.kinds}
    # the reported log-likelihood is the hand-written one at the reported parameters
    assert fit.loglik == pytest.approx(loglik(case, data, mine), rel=1e-9, abs=1e-6)
    # the fit reaches the maximum (or beats the oracle's; a stack of layers, a local one)
    short = case.several or SHORT
    assert fit.loglik >= best - short, (fit.loglik, best, fit.params, theirs, fit.message)
    if case.several:
        # a stack: converged, or stopped with the reason (a stall, named drifts or a
        # concave crawl, or a climb towards a singularity)
        assert fit.success or "stalled" in fit.message or "singularity" in fit.message
        return
    # converged is reported when the fit stopped at the maximum
    assert fit.success, fit.message
    # held out: as good as the oracle's parameters, within the estimates' sampling error
    ours, oracle = loglik(case, held_out, mine), loglik(case, held_out, theirs)
    assert ours == pytest.approx(oracle, abs=0.05 + 1e-4 * abs(oracle)), (ours, oracle)
    if case.exact:  # and the true parameters' held-out log-likelihood within sampling error
        truth = loglik(case, held_out, case.true_params())
        assert ours >= truth - 3 * len(case.kinds) - 3 * np.sqrt(n), (ours, truth)


CI = ["box-cox-data-below-the-start-support"]


@pytest.mark.parametrize("name", CI)
def test_survey_ci_subset(name):
    check(BY_NAME[name], seed=0, n=1000)


#: every case × five seeds with SYMFLOW_TRAIN_SURVEY=1 (one skipped test without)
WHOLE = (
    [pytest.param(c, s, id=f"{c.name}-{s}") for c in CASES for s in range(5)]
    if LONG
    else [
        pytest.param(
            None, None, id="whole", marks=pytest.mark.skip(reason="SYMFLOW_TRAIN_SURVEY=1 runs it")
        )
    ]
)


@pytest.mark.parametrize(("case", "seed"), WHOLE)
def test_survey(case, seed):
    check(case, seed=seed, n=5000)
