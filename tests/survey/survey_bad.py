"""Bad inputs for the public-API survey: each must raise a symflow error that names the fault.

Every entry is a call through symflow's public names and a pattern its message must match
(what is wrong, in the user's terms). A raw SymPy/NumPy/numba exception, a silent number or
a message that does not say what is wrong is a failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
w = sp.Symbol("w", real=True)
z1, z2 = sp.symbols("z1 z2", real=True)


@dataclass(frozen=True)
class Bad:
    name: str
    call: Callable
    message: re.Pattern


def bad(name: str, message: str):
    def wrap(fn):
        BAD_INPUTS.append(Bad(name, fn, re.compile(message, re.IGNORECASE | re.DOTALL)))
        return fn

    return wrap


BAD_INPUTS: list[Bad] = []


@cache
def _lognormal():
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()


@cache
def _joint():
    return sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
        [sf.Transform([z1 + z2, z1 - z2], [z1, z2])],
    ).compile()


def _flow(base, *exprs, var=z):
    return sf.Flow(base, [sf.Transform(e, var) for e in exprs])


# --- construction --------------------------------------------------------------------------

for _name, _args, _msg in [
    ("normal-neg-sigma", ("Normal", (0, -1)), r"sigma|scale|positive"),
    ("normal-zero-sigma", ("Normal", (0, 0)), r"sigma|scale|positive"),
    ("normal-nan-mu", ("Normal", (float("nan"), 1)), r"nan|finite|mu"),
    ("normal-inf-mu", ("Normal", (sp.oo, 1)), r"finite|infinit|mu|oo"),
    ("beta-zero", ("Beta", (0, 1)), r"positive|a\b|alpha|> 0"),
    ("beta-neg", ("Beta", (2, -3)), r"positive|b\b|beta|> 0"),
    ("uniform-reversed", ("Uniform", (1, 0)), r"a < b|less|lower|order|empty"),
    ("uniform-equal", ("Uniform", (1, 1)), r"a < b|less|lower|order|empty|width"),
    ("uniform-infinite", ("Uniform", (0, sp.oo)), r"finite|infinit|oo"),
    ("exponential-zero", ("Exponential", (0,)), r"rate|positive"),
    ("gamma-neg-shape", ("Gamma", (-1, 1)), r"shape|positive"),
    ("studentt-zero", ("StudentT", (0,)), r"positive|nu|freedom"),
    ("weibull-neg", ("Weibull", (-2, 1)), r"shape|positive"),
    ("chi2-zero", ("ChiSquared", (0,)), r"positive|k\b|freedom"),
    ("halfnormal-neg", ("HalfNormal", (-1,)), r"sigma|positive|scale"),
    ("normal-complex-mu", ("Normal", (sp.I, 1)), r"real|complex|mu"),
    ("normal-string", ("Normal", ("a", 1)), r"number|sympy|string|mu"),
    ("cauchy-neg", ("Cauchy", (0, -2)), r"scale|gamma|positive"),
]:

    def _make(kind=_args[0], args=_args[1]):
        return getattr(sf, kind)(*args)

    BAD_INPUTS.append(Bad(_name, _make, re.compile(_msg, re.IGNORECASE)))


@bad("transform-string", r"string")
def _():
    return sf.Transform("exp(z)", z)


@bad("transform-float-var", r"symbol|variable")
def _():
    return sf.Transform(sp.exp(z), 1.5)


@bad("transform-constant", r"constant|does not depend|collapse|z\b")
def _():
    return _flow(sf.Normal(0, 1), sp.Integer(3)).density()


@bad("transform-wrong-symbol", r"\bw\b|variable|symbol")
def _():
    return _flow(sf.Normal(0, 1), sp.exp(w)).density()


@bad("transform-complex", r"real|complex")
def _():
    return _flow(sf.Normal(0, 1), sp.I * z).density()


@bad("transform-log-negative", r"log|undefined|\(-oo, 0\]")
def _():
    return _flow(sf.Normal(0, 1), sp.log(z)).density()


@bad("transform-sqrt-negative", r"sqrt|undefined|real|negative")
def _():
    return _flow(sf.Normal(0, 1), sp.sqrt(z)).density()


@bad("transform-sin-on-reals", r"branch|monoton|infinit|periodic|sin")
def _():
    return _flow(sf.Normal(0, 1), sp.sin(z)).density()


@bad("transform-floor", r"floor|collapse|constant|point mass|derivative|discrete|differentiab")
def _():
    return _flow(sf.Normal(0, 1), sp.floor(z)).density()


@bad("transform-not-list", r"transform|list")
def _():
    return sf.Flow(sf.Normal(0, 1), [sp.exp(z)])


@bad("flow-bare-expression", r"list of sf.Transform.*got exp\(z\)")
def _():
    return sf.Flow(sf.Normal(0, 1), sp.exp(z))


@bad("flow-number", r"list of sf.Transform.*got 3")
def _():
    return sf.Flow(sf.Normal(0, 1), 3)


@bad("flow-base-not-distribution", r"distribution|base")
def _():
    return sf.Flow("Normal(0, 1)", [sf.Transform(sp.exp(z), z)])


@bad("vector-on-scalar-base", r"dimension|variables|2|1")
def _():
    return sf.Flow(sf.Normal(0, 1), [sf.Transform([z1 + z2, z1 - z2], [z1, z2])]).density()


@bad("vector-collapse", r"collapse|singular|det|rank|zero")
def _():
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    return sf.Flow(base, [sf.Transform([z1 + z2, 2 * z1 + 2 * z2], [z1, z2])]).density()


@bad("declared-wrong-inverse", r"inverse")
def _():
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z, inverse=sp.log(2 * z))]).density()


@bad("marginal-out-of-range", r"index|range|dimension|0|1")
def _():
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    return sf.Flow(base, [sf.Transform([z1 + z2, z1 - z2], [z1, z2])]).marginal(5)


@bad("marginal-of-1d", r"marginal|one-dimensional|1-D|dimension")
def _():
    return _flow(sf.Normal(0, 1), sp.exp(z)).marginal(0)


@bad("cauchy-mean", r"mean|undefined|integra|diverg")
def _():
    return _flow(sf.Cauchy(0, 1), 2 * z).mean()


@bad("vector-repeated-variable", r"distinct|z1")
def _():
    return sf.Transform([z1 + z2, z1 - z2], [z1, z1])


@bad("vector-three-on-two", r"dimension|3|2|variables")
def _():
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    z3 = sp.Symbol("z3", real=True)
    return sf.Flow(base, [sf.Transform([z1, z2, z3], [z1, z2, z3])]).density()


@bad("transform-extra-free-symbol-kernel", r"\ba\b|parameter")
def _():
    a = sp.Symbol("a", positive=True)
    return _flow(sf.Normal(0, 1), a * z).compile().log_prob(np.ones(2))


@bad("transform-tan-on-reals", r"branch|monoton|infinit|periodic|tan|undefined|pole")
def _():
    return _flow(sf.Normal(0, 1), sp.tan(z)).density()


@bad("transform-log-of-zero-mass", r"log|undefined|\(-oo, 0\]|-1")
def _():
    return _flow(sf.Uniform(-1, 1), sp.log(z)).density()


@bad("transform-acos-outside", r"acos|undefined|\[-1, 1\]|real")
def _():
    return _flow(sf.Normal(0, 1), sp.acos(z)).density()


@bad("mixture-weights", r"weight|sum|1")
def _():
    return sf.Mixture([(sp.Rational(1, 2), sf.Normal(0, 1)), (sp.Rational(1, 3), sf.Normal(1, 1))])


@bad("mixture-symbolic-weights-sum", r"must sum to 1 for every value of their symbols")
def _():
    w = sp.Symbol("w", positive=True)
    return sf.Mixture([(w, sf.Normal(0, 1)), (1, sf.Normal(1, 1))])


@bad("kernel-mixture-weight-outside", r"at w = 1.5: its weight 2 = 1 - w must be positive")
def _():
    w = sp.Symbol("w", positive=True)
    mix = sf.Mixture([(w, sf.Normal(0, 1)), (1 - w, sf.Normal(1, 1))])
    return _flow(mix, sp.exp(z)).compile().log_prob(np.ones(2), w=1.5)


@bad("truncated-empty", r"empty|mass|probability|interval|a < b|lower")
def _():
    return sf.Truncated(sf.Normal(0, 1), 2, 1)


@bad("truncated-outside-support", r"mass|probability|support|outside|empty")
def _():
    return sf.Truncated(sf.Exponential(1), -3, -1)


@bad("mvn-not-psd", r"positive|definite|covariance")
def _():
    return sf.MultivariateNormal([0, 0], [[1, 2], [2, 1]])


@bad("mvn-shape", r"shape|dimension|2|3")
def _():
    return sf.MultivariateNormal([0, 0, 0], [[1, 0], [0, 1]])


# --- kernels --------------------------------------------------------------------------------

for _name, _value, _msg in [
    ("kernel-string", "1.0", r"number|float|str"),
    ("kernel-complex", np.array([1 + 1j]), r"complex|real"),
    ("kernel-object", np.array([1.0, None], dtype=object), r"number|float|object|None"),
    ("kernel-2d-in-1d", np.ones((3, 2)), r"shape|\(n,\)|dimension"),
    ("kernel-list-of-strings", ["a", "b"], r"number|float|str"),
    ("kernel-none", None, r"number|float|None|array"),
    ("kernel-dict", {"x": 1.0}, r"number|float|array|dict"),
]:
    BAD_INPUTS.append(
        Bad(_name, lambda v=_value: _lognormal().log_prob(v), re.compile(_msg, re.IGNORECASE))
    )

for _name, _value, _msg in [
    ("joint-wrong-width", np.ones((4, 3)), r"shape|\(n, 2\)|2"),
    ("joint-1d", np.ones(4), r"shape|\(n, 2\)|2"),
    ("joint-complex", np.ones((2, 2), dtype=complex), r"complex|real"),
]:
    BAD_INPUTS.append(
        Bad(_name, lambda v=_value: _joint().log_prob(v), re.compile(_msg, re.IGNORECASE))
    )


@bad("kernel-unknown-param", r"sigma|parameter|unknown|unexpected")
def _():
    return _lognormal().log_prob(np.ones(3), sigma=2.0)


@bad("kernel-missing-param", r"mu|parameter|missing")
def _():
    mu = sp.Symbol("mu", real=True)
    return _flow(sf.Normal(mu, 1), sp.exp(z)).compile().log_prob(np.ones(2))


@bad("kernel-sigma-negative", r"sigma|positive")
def _():
    s = sp.Symbol("sigma", positive=True)
    return _flow(sf.Normal(0, s), sp.exp(z)).compile().log_prob(np.ones(2), sigma=-1.0)


@bad("kernel-real-shape-negative", r"Gamma\(k, 1\) is no distribution at k = -1.0")
def _():
    k = sp.Symbol("k", real=True)
    return _flow(sf.Gamma(k, 1), sp.exp(z)).compile().log_prob(np.ones(2), k=-1.0)


@bad("kernel-uniform-ends-reversed", r"support \(a, b\) = \(1.0, 0.0\) is empty")
def _():
    a, b = sp.symbols("a b", real=True)
    return _flow(sf.Uniform(a, b), 2 * z).compile().log_prob(np.ones(2), a=1.0, b=0.0)


@bad("sample-negative-n", r"\bn\b|negative|number of samples|non-negative")
def _():
    return _lognormal().sample(-5, seed=0)


@bad("sample-float-n", r"\bn\b|integer")
def _():
    return _lognormal().sample(2.5, seed=0)


@bad("check-n-string", r"\bn\b|integer|number")
def _():
    return _flow(sf.Normal(0, 1), sp.exp(z)).check(n="many")


@bad("quantile-out-of-range", r"\bu\b|\[0, 1\]|\(0, 1\)|probabilit|quantile")
def _():
    return _flow(sf.Normal(0, 1), sp.exp(z)).quantile(sp.Rational(3, 2))


@bad("kernel-quantile-out-of-range", r"\bu\b|\[0, 1\]|\(0, 1\)|probabilit|quantile")
def _():
    return _lognormal().quantile(np.array([1.5]))


# --- the CLI --------------------------------------------------------------------------------


class CliFailure(sf.SymflowError):
    """Stands for a CLI run that exited non-zero with a clean message (no traceback)."""


def _cli(*args: str):
    run = subprocess.run(
        [sys.executable, "-m", "symflow.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "Traceback" in run.stderr:
        raise RuntimeError("traceback: " + run.stderr.strip().splitlines()[-1])
    if run.returncode == 0:
        return run.stdout[-200:]
    raise CliFailure((run.stderr or run.stdout).strip())


for _name, _args, _msg in [
    (
        "cli-import",
        ("__import__('os').system('true')", "--base", "Normal(0, 1)"),
        r"__import__|not allowed|unknown|name",
    ),
    ("cli-unbalanced", ("exp(z", "--base", "Normal(0, 1)"), r"parenthes|syntax|parse|exp\(z"),
    ("cli-unknown-base", ("exp(z)", "--base", "Gauss(0, 1)"), r"Gauss|unknown|base"),
    ("cli-bad-base-params", ("exp(z)", "--base", "Normal(0, -1)"), r"sigma|positive|scale"),
    ("cli-unknown-name", ("exp(y)", "--base", "Normal(0, 1)"), r"\by\b|unknown|name|variable"),
    ("cli-empty", ("", "--base", "Normal(0, 1)"), r"empty|expression"),
    ("cli-base-garbage", ("exp(z)", "--base", "Normal(0, 1"), r"parenthes|syntax|parse|Normal"),
    (
        "cli-attr",
        ("z.__class__", "--base", "Normal(0, 1)"),
        r"__class__|not allowed|attribute|unknown",
    ),
    ("cli-lambda", ("lambda: 1", "--base", "Normal(0, 1)"), r"lambda|not allowed|syntax|parse"),
    (
        "cli-huge-power",
        ("z**(10**100)", "--base", "Normal(0, 1)", "--n", "20000"),
        r"inconclusive: none of the 20,000 samples",
    ),
    (
        "cli-bad-param",
        ("a*z", "--base", "Normal(0, 1)", "--param", "a:complex"),
        r"complex|assumption",
    ),
    ("cli-n-negative", ("exp(z)", "--base", "Normal(0, 1)", "--n", "-3"), r"\bn\b|positive|-3"),
]:
    BAD_INPUTS.append(
        Bad(_name, lambda a=_args: _cli("derive", *a), re.compile(_msg, re.IGNORECASE))
    )
