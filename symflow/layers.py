"""Parametrised layers for trainable flows, each with fresh, well-named parameter symbols.

Every helper returns an ordinary :class:`~symflow.Transform`; layer ``i`` names its
parameters with the subscript i, so that a stack reads like the textbook:

=========================  =================================================  ==========
helper                     x = f(z)                                           parameters
=========================  =================================================  ==========
``affine(i)``              exp(a_i)·z + b_i                                   a_i, b_i
``sinh_arcsinh(i)``        sinh(d_i·asinh(z) − e_i)                           d_i > 0, e_i
``box_cox(i)``             (z^λ_i − 1)/λ_i, z > 0                             λ_i > 0
``yeo_johnson(i)``         ((1 + z)^λ_i − 1)/λ_i, z > 0                       λ_i > 0
``sigmoid()``              1/(1 + exp(−z))                                    none
``logit()``                log(z/(1 − z))                                     none
``triangular(i, d, k)``    x_j = exp(s_j(z_<j))·z_j + t_j(z_<j), s_j, t_j     s_i_j_m,
                           polynomials of degree k                            t_i_j_m
=========================  =================================================  ==========

``box_cox(i)`` is the Box–Cox map of a positive variable, x = (z^λ − 1)/λ (λ_i > 0),
and ``yeo_johnson(i)`` Yeo–Johnson's branch for z ≥ 0, x = ((1 + z)^λ − 1)/λ; both need
a positive input (place them after ``exp`` or on a positive base).

Every parameter is zero at the identity map except the positive ones, which are one
(sinh_arcsinh's d_i, box_cox's λ_i); ``fit`` starts from there.

Examples
--------
>>> import symflow as sf
>>> X = sf.Flow(sf.Normal(0, 1), stack(sinh_arcsinh, affine, repeat=2))
>>> [p.name for p in X.parameters]
['a_1', 'a_2', 'b_1', 'b_2', 'd_1', 'd_2', 'e_1', 'e_2']
>>> stack(sinh_arcsinh, affine, repeat=2)[1]
Transform(b_1 + z*exp(a_1), z)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import sympy as sp

from symflow.core.transform import Transform
from symflow.errors import ParameterError

__all__ = [
    "affine",
    "box_cox",
    "logit",
    "sigmoid",
    "sinh_arcsinh",
    "stack",
    "triangular",
    "yeo_johnson",
]

_z = sp.Symbol("z", real=True)
_zp = sp.Symbol("z", positive=True)


def _index(i: int | str) -> str:
    ok = (isinstance(i, int) and not isinstance(i, bool) and i >= 0) or (
        isinstance(i, str) and i.isascii() and i.isalnum()
    )
    if not ok:
        raise ParameterError(
            f"A layer index must be a non-negative integer or a short name of letters and "
            f"digits (it becomes the subscript of the layer's parameters); got {i!r}."
        )
    return str(i)


def affine(i: int | str = 1) -> Transform:
    """x = exp(a_i)·z + b_i: a location-scale layer (identity at a_i = b_i = 0).

    >>> affine(3)
    Transform(b_3 + z*exp(a_3), z)
    """
    k = _index(i)
    a, b = sp.Symbol(f"a_{k}", real=True), sp.Symbol(f"b_{k}", real=True)
    return Transform(sp.exp(a) * _z + b, _z)


def sinh_arcsinh(i: int | str = 1) -> Transform:
    """x = sinh(d_i·asinh(z) − e_i): Jones & Pewsey's skew (e_i) and tail weight (d_i > 0).

    >>> sinh_arcsinh(2)
    Transform(sinh(d_2*asinh(z) - e_2), z)

    References
    ----------
    Jones, M. C. & Pewsey, A. (2009). Sinh-arcsinh distributions. Biometrika 96, 761–780.
    """
    k = _index(i)
    d, e = sp.Symbol(f"d_{k}", positive=True), sp.Symbol(f"e_{k}", real=True)
    return Transform(sp.sinh(d * sp.asinh(_z) - e), _z)


def box_cox(i: int | str = 1) -> Transform:
    """x = (z^λ_i − 1)/λ_i for z > 0 (λ_i > 0): the Box–Cox power map.

    >>> box_cox(1)
    Transform((z**lambda_1 - 1)/lambda_1, z)
    """
    k = _index(i)
    lam = sp.Symbol(f"lambda_{k}", positive=True)
    return Transform((_zp**lam - 1) / lam, _zp)


def yeo_johnson(i: int | str = 1) -> Transform:
    """x = ((1 + z)^λ_i − 1)/λ_i for z > 0 (λ_i > 0): Yeo–Johnson's branch for
    non-negative values.

    >>> yeo_johnson(1)
    Transform(((z + 1)**lambda_1 - 1)/lambda_1, z)
    """
    k = _index(i)
    lam = sp.Symbol(f"lambda_{k}", positive=True)
    return Transform(((1 + _zp) ** lam - 1) / lam, _zp)


def sigmoid(i: int | str | None = None) -> Transform:
    """x = 1/(1 + exp(−z)): squashes the real line onto (0, 1).

    >>> sigmoid()
    Transform(1/(1 + exp(-z)), z)
    """
    return Transform(1 / (1 + sp.exp(-_z)), _z)


def logit(i: int | str | None = None) -> Transform:
    """x = log(z/(1 − z)): opens (0, 1) onto the real line (place it on a (0, 1) support).

    >>> logit()
    Transform(log(z/(1 - z)), z)
    """
    u = sp.Symbol("z", positive=True)
    return Transform(sp.log(u / (1 - u)), u)


def _monomials(variables: list[sp.Symbol], degree: int) -> list[sp.Expr]:
    """1 and every monomial of total degree ≤ ``degree`` in ``variables``, in order."""
    out: list[sp.Expr] = [sp.Integer(1)]
    for k in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(variables, k):
            out.append(sp.Mul(*combo))
    return out


def triangular(i: int | str = 1, d: int = 2, degree: int = 2, reverse: bool = False) -> Transform:
    """x_j = exp(s_j)·z_j + t_j, with s_j, t_j polynomials of degree ``degree`` in the
    coordinates before j (after j when ``reverse``): an autoregressive affine layer.

    Coefficients are named ``s_i_j_m`` (log-scale) and ``t_i_j_m`` (shift), m numbering
    the monomials 1, z_1, z_2, …, z_1², z_1·z_2, …; all zero is the identity.

    >>> triangular(1, d=2, degree=1).exprs[1]
    t_1_2_0 + t_1_2_1*z1 + z2*exp(s_1_2_0 + s_1_2_1*z1)
    """
    k = _index(i)
    if not (isinstance(d, int) and d >= 2):
        raise ParameterError(f"triangular needs a dimension d >= 2; got d = {d!r}.")
    if not (isinstance(degree, int) and degree >= 0):
        raise ParameterError(f"degree must be a non-negative integer; got {degree!r}.")
    zs = [sp.Symbol(f"z{j + 1}", real=True) for j in range(d)]
    exprs = []
    for j in range(d):
        given = zs[j + 1 :] if reverse else zs[:j]
        terms = _monomials(given, degree) if given else [sp.Integer(1)]
        s = sum(sp.Symbol(f"s_{k}_{j + 1}_{m}", real=True) * t for m, t in enumerate(terms))
        t = sum(sp.Symbol(f"t_{k}_{j + 1}_{m}", real=True) * t for m, t in enumerate(terms))
        exprs.append(sp.exp(s) * zs[j] + t)
    return Transform(exprs, zs)


def stack(*layers: Callable[..., Transform], repeat: int = 1, **options) -> list[Transform]:
    """[f_1(1), g_1(1), f_1(2), g_1(2), …]: the layer helpers applied in turn, ``repeat``
    times, layer helper calls numbered 1, 2, … (``options`` go to every helper;
    triangular layers alternate their order so that every coordinate is conditioned).

    >>> [str(t.expr) for t in stack(sinh_arcsinh, affine, repeat=2)]
    ['sinh(d_1*asinh(z) - e_1)', 'b_1 + z*exp(a_1)', 'sinh(d_2*asinh(z) - e_2)', 'b_2 + z*exp(a_2)']
    """
    if not layers:
        raise ParameterError("stack needs at least one layer helper, e.g. stack(affine).")
    if isinstance(repeat, bool) or not (isinstance(repeat, int) and repeat >= 1):
        raise ParameterError(f"repeat must be a positive integer; got {repeat!r}.")
    out = []
    for r in range(1, repeat + 1):
        for helper in layers:
            if isinstance(helper, Transform):
                raise ParameterError(
                    f"stack takes layer helpers, not layers: got {helper!r}; pass the "
                    f"helper itself (sf.layers.affine, not sf.layers.affine(1)), or list "
                    f"ready-made layers directly in the Flow."
                )
            if not callable(helper):
                raise ParameterError(
                    f"stack takes layer helpers such as sf.layers.affine; got {helper!r}."
                )
            extra = dict(options)
            if helper is triangular:
                extra.setdefault("reverse", r % 2 == 0)
            layer = helper(r, **extra)
            if not isinstance(layer, Transform):
                raise ParameterError(
                    f"The layer helper {getattr(helper, '__name__', helper)!r} returned "
                    f"{layer!r}, not an sf.Transform; a helper takes the layer number and "
                    f"returns sf.Transform(expr, var)."
                )
            out.append(layer)
    return out
