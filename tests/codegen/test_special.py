"""SciPy's compiled special functions in numba: values against mpmath, the printer's
translations, and kernels that call them loaded again by a fresh process."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.codegen import special
from symflow.codegen.printer import KernelPrinter, special_import
from symflow.errors import CompileError

REPO = Path(__file__).resolve().parents[2]
mp.mp.dps = 40


def _rel(value: float, truth) -> float:
    truth = float(mp.re(truth))
    return abs(value - truth) / abs(truth)


def _t_quantile(nu, p):
    """Student's t quantile: x = ν/(ν + t²) solves I_x(ν/2, 1/2) = 2 min(p, 1 − p), in log x."""
    a, tail = nu / 2, min(p, 1 - p)
    guess = min((mp.log(2 * tail) + mp.log(a * mp.beta(a, 0.5))) / a, mp.mpf(-0.1))
    log_x = mp.findroot(
        lambda s: mp.log(mp.betainc(a, 0.5, 0, mp.exp(s), regularized=True)) - mp.log(2 * tail),
        guess,
    )
    t = mp.sqrt(nu * mp.expm1(-log_x))
    return -t if p < 0.5 else t


# (id, function, mpmath reference, arguments)
CASES = [
    ("psi", special.psi, mp.digamma, [(1e-8,), (0.5,), (7.25,), (1e6,), (-2.5,)]),
    ("gammaln", special.gammaln, mp.loggamma, [(1e-300,), (0.5,), (30.0,), (1e200,)]),
    ("gammainc", special.gammainc, lambda a, x: mp.gammainc(a, 0, x, regularized=True),
     [(0.5, 1e-10), (3.0, 2.0), (1e4, 1e4 - 50.0)]),
    ("gammaincc", special.gammaincc, lambda a, x: mp.gammainc(a, x, mp.inf, regularized=True),
     [(0.5, 30.0), (3.0, 2.0), (1e4, 1e4 + 300.0)]),
    ("betainc", special.betainc, lambda a, b, x: mp.betainc(a, b, 0, x, regularized=True),
     [(0.5, 0.5, 1e-12), (2.0, 3.0, 0.4), (50.0, 0.5, 0.999)]),
    ("ndtri", special.ndtri, lambda p: mp.sqrt(2) * mp.erfinv(2 * p - 1), [(0.975,), (1e-5,)]),
    ("stdtrit", special.stdtrit, _t_quantile,
     [(1.0, 1e-300), (1.5, 1e-300), (3.0, 1e-300), (3.0, 1e-200), (30.0, 1e-50), (3.0, 0.3),
      (3.0, 1 - 1e-7)]),
    ("erfinv", special.erfinv, mp.erfinv, [(0.5,), (-0.999999,), (1e-20,)]),
    ("expi", special.expi, mp.ei, [(-3.0,), (0.25,), (40.0,)]),
    ("exp1", special.exp1, mp.e1, [(1e-10,), (2.0,), (600.0,)]),
    ("polygamma1", lambda x: special.polygamma(1.0, x), lambda x: mp.polygamma(1, x),
     [(1e-5,), (0.5,), (3.7,), (1e7,), (-2.3,)]),
    ("polygamma3", lambda x: special.polygamma(3.0, x), lambda x: mp.polygamma(3, x),
     [(0.01,), (2.0,), (40.0,)]),
    ("zeta", special.zeta, mp.zeta, [(2.0, 1.0), (1.0001, 1.0), (10.0, 2.0), (3.5, 0.2)]),
    ("lambertw0", special.lambertw0, mp.lambertw,
     [(1e-300,), (-1e-12,), (-0.3,), (-0.36787944117),  (1.0,), (1e300,)]),
    ("lambertwm1", special.lambertwm1, lambda x: mp.lambertw(x, -1),
     [(-1e-300,), (-1e-12,), (-0.2,), (-0.36787944117,), (-0.367879441171442,)]),
    # 1 + W next to the branch point −1/e: the first float above it, then 1e-16 … 1e-3 above
    ("lambertw0_edge", special.lambertw0_edge, lambda x: 1 + mp.lambertw(x),
     [(-0.3678794411714422,), (-0.36787944117144222,), (-0.367879431171442,),
      (-0.3668794411714423,), (0.5,), (1e300,)]),
    ("lambertwm1_edge", special.lambertwm1_edge, lambda x: -1 - mp.lambertw(x, -1),
     [(-0.3678794411714422,), (-0.36787944117144222,), (-0.367879431171442,),
      (-0.3668794411714423,), (-1e-300,)]),
]  # fmt: skip


@pytest.mark.parametrize(("function", "reference", "points"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_values_against_mpmath(function, reference, points) -> None:
    for point in points:
        point = tuple(float(v) for v in np.atleast_1d(point))
        truth = reference(*[mp.mpf(v) for v in point])
        assert _rel(function(*point), truth) < 5e-14, point


def test_lambert_branches_meet_at_the_branch_point() -> None:
    assert special.lambertw0(-1 / math.e) == pytest.approx(-1.0, abs=1e-7)
    assert special.lambertwm1(-1 / math.e) == pytest.approx(-1.0, abs=1e-7)
    assert math.isnan(special.lambertw0(-0.5)) and math.isnan(special.lambertwm1(0.5))
    assert special.lambertwm1(0.0) == -math.inf and special.lambertw0(math.inf) == math.inf


def test_domain_edges() -> None:
    assert special.zeta(1.0, 1.0) == math.inf
    assert math.isnan(special.zeta(0.5, 1.0)) and math.isnan(special.polygamma(1.0, -2.0))
    assert math.isnan(special.polygamma(1.5, 1.0))
    assert special.ndtri(0.0) == -math.inf and special.erfinv(1.0) == math.inf


def test_address_is_cython_specials_own() -> None:
    from numba.extending import get_cython_function_address

    expected = get_cython_function_address("scipy.special.cython_special", "gammaln")
    assert special.address("gammaln") == expected


a, k = sp.symbols("a k", positive=True)
x = sp.Symbol("x", real=True)


@pytest.mark.parametrize(
    ("expr", "printed"),
    [
        (sp.digamma(x), "special.psi(x)"),
        (sp.polygamma(2, x), "special.polygamma(2, x)"),
        (sp.LambertW(x), "special.lambertw0(x)"),
        (sp.LambertW(x, -1), "special.lambertwm1(x)"),
        (sp.Ei(x), "special.expi(x)"),
        (sp.expint(3, x), "special.expn(3, x)"),
        (sp.E1(x), "special.exp1(x)"),
        (sp.zeta(x), "(1.0 + special.zetac(x))"),
        (sp.zeta(x, a), "special.zeta(x, a)"),
        (sp.lowergamma(a, x), "special.lowergamma(a, x)"),
        (sp.uppergamma(a, x), "special.uppergamma(a, x)"),
        (sp.betainc_regularized(a, k, 0, x), "special.betainc(a, k, x)"),
        (sp.erfinv(x), "special.erfinv(x)"),
        (sp.loggamma(x), "special.gammaln(x)"),
    ],
    ids=str,
)
def test_printer_translations(expr, printed) -> None:
    printer = KernelPrinter()
    assert printer.doprint(expr) == printed
    assert special_import(printer) == "from symflow.codegen import special\n"


def test_elementary_kernels_do_not_import_scipy() -> None:
    printer = KernelPrinter()
    printer.doprint(sp.exp(x) + sp.erf(x))
    assert special_import(printer) == ""


@pytest.mark.parametrize(
    ("expr", "match"),
    [(sp.LambertW(x, 1), "branch k = 1"), (sp.expint(a, x), "non-integer order")],
    ids=["complex-branch", "real-order"],
)
def test_untranslatable_forms_are_refused(expr, match) -> None:
    with pytest.raises(CompileError, match=match):
        KernelPrinter().doprint(expr)


PSI_FLOW = textwrap.dedent(
    """
    import json, sys
    import numpy as np, sympy as sp, symflow as sf
    z = sp.Symbol("z", real=True)
    # x = ψ(z + 1): the inverse is solved numerically, each step calling ψ
    k = sf.Flow(sf.Exponential(1), [sf.Transform(sp.digamma(z + 1), z)]).compile()
    values = k.log_prob(np.array([-0.6, -0.5, 1.0, 3.0]))
    native = k._native("log_prob", False)
    loaded = "numba" in sys.modules
    print(json.dumps({"values": values.tolist(), "native": native.source, "numba": loaded}))
    """
)


def _psi_density(xs: np.ndarray) -> np.ndarray:
    """log p_X for x = ψ(z + 1), z ~ Exp(1), by SciPy: z = ψ⁻¹(x) − 1 by bisection."""
    from scipy import optimize
    from scipy import special as ss

    out = []
    for value in xs:
        z0 = optimize.brentq(lambda t, v=value: ss.digamma(t + 1) - v, 0.0, 1e6, xtol=1e-15)
        out.append(-z0 - math.log(ss.polygamma(1, z0 + 1)))
    return np.array(out)


def test_kernel_calling_psi_is_linked_to_each_process_own_psi(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["SYMFLOW_CACHE_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    runs = []
    for _ in range(2):  # the first process compiles; the second loads the machine code
        done = subprocess.run(
            [sys.executable, "-c", PSI_FLOW], env=env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    xs = np.array([-0.6, -0.5, 1.0, 3.0])
    expected = np.concatenate([[-np.inf], _psi_density(xs[1:])])
    for run in runs:
        np.testing.assert_allclose(run["values"], expected, rtol=1e-9, atol=0)
    # the code names the symbol symflow_psi, linked in each process to that process's psi
    record = json.loads(next(tmp_path.glob("native/*log_prob*.json")).read_text())
    assert "symflow_psi" in record["undefined"]
    assert [run["native"] for run in runs] == ["compiled", "cache"]
    assert not runs[1]["numba"]  # linked by llvmlite alone


def test_digamma_map_far_below_where_its_derivative_overflows() -> None:
    """x = ψ(z), z ~ Exp(1): z ≈ −1/x → 0 as x → −∞, where ψ′(z) ≈ 1/z² overflows
    (1e316 at x = −1e158) while log p_X(x) = −z − log ψ′(z) is finite; against mpmath
    at 40 digits, ψ inverted in log z."""
    zp = sp.Symbol("z", positive=True)
    kernels = sf.Flow(sf.Exponential(1), [sf.Transform(sp.digamma(zp), zp)]).compile()
    xs = [-1e300, -1e158, -1e10, -3.0, 0.0, 6.5]
    got = kernels.log_prob(np.array(xs))
    with mp.workdps(40):
        for x, value in zip(xs, got, strict=True):
            start = mp.log(-1 / mp.mpf(x)) if x < -2 else mp.log(mp.exp(x) + 0.5)
            s = mp.findroot(lambda s, x=x: (mp.digamma(mp.exp(s)) - x) / max(1, abs(x)), start)
            root = mp.exp(s)
            truth = float(-root - mp.log(mp.psi(1, root)))
            assert value == pytest.approx(truth, rel=1e-13), x


def test_lambert_w_of_an_overflowing_exponential() -> None:
    """x = log(z·e^z) on Exp(1): z = W₀(eˣ), where eˣ overflows from x = 709.78 and
    log(z·e^z + e^z) from z = 709.78; log p_X(x) = −z − log(1 + 1/z) is finite, against
    mpmath's W₀ at 40 digits."""
    zp = sp.Symbol("z", positive=True)
    X = sf.Flow(
        sf.Exponential(1), [sf.Transform(zp * sp.exp(zp), zp), sf.Transform(sp.log(zp), zp)]
    )
    xs = [-700.0, 0.0, 700.0, 710.0, 1e5, 1e300]
    got = X.compile().log_prob(np.array(xs))
    with mp.workdps(40):
        for x, value in zip(xs, got, strict=True):
            w = mp.lambertw(mp.exp(mp.mpf(x))).real
            assert value == pytest.approx(float(-w - mp.log1p(1 / w)), rel=1e-14), x


def _log_inverse(tail, log_level, guess):
    """s = log x with log tail(e^s) = log_level, a bracketed root at 40 digits."""
    f = lambda s: mp.log(tail(mp.exp(s))) - log_level  # noqa: E731
    lo, hi = guess - 5, min(guess + 5, mp.mpf(0))
    while f(lo) > 0:
        lo -= 50
    while f(hi) < 0:
        hi += 1
    return mp.findroot(f, (lo, hi), solver="illinois")


@pytest.mark.parametrize(
    ("a", "p"),
    [(0.5, 1e-300), (0.5, 1e-100), (0.01, 1e-30), (2.5, 1e-300), (30.0, 1e-200), (0.5, 0.3)],
)
def test_log_gammaincinv_where_the_inverse_underflows(a, p) -> None:
    """log x with P(a, x) = p to 1e-14, also where x (7.9e-601 at a = ½, p = 1e-300) is 0
    in float64."""
    a_mp = mp.mpf(a)
    truth = _log_inverse(
        lambda x: mp.gammainc(a_mp, 0, x, regularized=True),
        mp.log(p),
        (mp.log(p) + mp.loggamma(a_mp + 1)) / a_mp,
    )
    assert _rel(special.log_gammaincinv(a, p), truth) < 1e-14


@pytest.mark.parametrize(
    ("a", "b", "y"),
    [
        (0.5, 3.0, 1e-300),
        (0.5, 3.0, 1e-20),
        (0.01, 0.5, 1e-10),
        (3.0, 0.5, 1e-300),
        (2.0, 2.0, 0.3),
    ],
)
def test_log_betaincinv_where_the_inverse_underflows(a, b, y) -> None:
    """log x with I_x(a, b) = y to 1e-14, also where x (2.8e-601 for Beta(½, 3) at
    y = 1e-300) is 0 in float64 (SciPy's betaincinv stops at 2.2e-308)."""
    truth = _log_inverse(
        lambda x: mp.betainc(a, b, 0, x, regularized=True),
        mp.log(y),
        (mp.log(y) + mp.log(a) + mp.log(mp.beta(a, b))) / a,
    )
    assert _rel(special.log_betaincinv(a, b, y), truth) < 1e-14


def test_log_inverses_at_their_ends() -> None:
    """−inf at probability 0 and nan for a probability or shape outside the domain."""
    assert special.log_gammaincinv(0.5, 0.0) == -math.inf
    assert special.log_betaincinv(0.5, 3.0, 0.0) == -math.inf
    assert math.isnan(special.log_gammaincinv(-1.0, 0.5))
    assert math.isnan(special.log_betaincinv(0.5, 3.0, math.nan))


@pytest.mark.parametrize("branch", [0, -1])
def test_lambertw_edge_from_the_offset_of_its_argument_keeps_its_digits(branch) -> None:
    # |1 + W_k(d − 1/e)| from d itself: d = 1e-300 is lost entirely in −1/e + d rounded
    f = special.lambertw0_edge_offset if branch == 0 else special.lambertwm1_edge_offset
    for d in (1e-300, 1e-40, 1.6e-10, 1e-4, 0.01, 0.2):
        with mp.workdps(340):  # d − 1/e exact for d down to 1e-300
            want = abs(1 + mp.lambertw(mp.mpf(d) - mp.exp(-1), branch).real)
        assert abs(f(d) - want) <= 2e-15 * want, (branch, d, f(d), want)
    assert math.isnan(f(-1e-300)) and math.isnan(f(math.nan))
