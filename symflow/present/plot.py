"""Pictures of a change of variables (matplotlib, imported only when a plot is drawn).

* :func:`densities` — p_Z and p_X on shared axes, with a histogram of x = f(z) for
  Monte Carlo draws of z overlaid (the derived density must follow the histogram);
* :func:`stages` — the density after each layer of a chain, side by side;
* :func:`deformation` — a grid of the z-plane and its image under a 2-D transform,
  coloured by the local area scale |det J| (how much the map stretches area there);
* :func:`contours` — density contours of a 2-D flow with samples on top.

Every function returns a small dataclass with ``.figure`` (a matplotlib Figure made
without pyplot, so no global state or backend is touched) and the arrays behind the
picture, so that tests and users can check the histogram against the density; ``path=``
(or ``.save(path)``) writes the figure at ``figsize × dpi`` pixels. Plot ranges come from
quantiles of the samples and of the base distribution, never from fixed numbers.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)])
>>> pic = densities(X, n=20_000, seed=1)
>>> pic.heights.shape == (pic.edges.size - 1,)
True
>>> bool(abs(pic.x[pic.density.argmax()] - 3) < 0.1)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from symflow.core.multivariate import JointDistribution
from symflow.core.transform import ScalarTransform, VectorTransform
from symflow.present import OutputPathError, PlotError

__all__ = [
    "PlotError",
    "DensityPlot",
    "Stage",
    "StagePlot",
    "DeformationPlot",
    "ContourPlot",
    "densities",
    "stages",
    "deformation",
    "contours",
]


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


def check_output_path(path: Any) -> Path:
    """``path`` as a Path whose folder exists and whose suffix names its format; an
    OutputPathError that says what to give otherwise."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(
            f"Cannot write '{target}': the folder '{parent}' does not exist. Create it first "
            f"(mkdir -p '{parent}') or choose another path."
        )
    if not target.suffix:
        raise OutputPathError(
            f"Cannot write '{target}': give the file a suffix naming its format, e.g. "
            f"'{target}.png' or '{target}.pdf'."
        )
    return target


@dataclass
class _Picture:
    figure: Any

    def save(self, path: Any, dpi: float | None = None) -> Path:
        """Write the figure (format from the suffix: .png, .pdf, .svg, …); return the path."""
        target = check_output_path(path)
        try:
            self.figure.savefig(target, dpi=dpi or self.figure.dpi)
        except ValueError as exc:
            if "not supported" in str(exc) or "Format" in str(exc):
                raise OutputPathError(
                    f"Cannot write '{target}': matplotlib does not know the format "
                    f"'{target.suffix}'. Use .png, .pdf or .svg."
                ) from None
            raise
        return target

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()


@dataclass
class DensityPlot(_Picture):
    """:func:`densities`: the curves and the histogram behind the figure.

    ``x`` is the grid, ``density`` p_X on it (derived, compiled kernel),
    ``base_density`` p_Z on the same grid; ``edges``/``heights`` the histogram of the
    forward-map samples as a density (counts / (n · bin width)); ``n`` the sample size.
    """

    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    density: np.ndarray = field(default_factory=lambda: np.empty(0))
    base_density: np.ndarray = field(default_factory=lambda: np.empty(0))
    edges: np.ndarray = field(default_factory=lambda: np.empty(0))
    heights: np.ndarray = field(default_factory=lambda: np.empty(0))
    n: int = 0


@dataclass(frozen=True)
class Stage:
    """The distribution after ``index`` layers: grid, density, histogram of samples."""

    index: int
    label: str
    x: np.ndarray
    density: np.ndarray
    edges: np.ndarray
    heights: np.ndarray


@dataclass
class StagePlot(_Picture):
    """:func:`stages`: one :class:`Stage` per panel (stage 0 is the base)."""

    stages: tuple[Stage, ...] = ()


@dataclass
class DeformationPlot(_Picture):
    """:func:`deformation`: grid nodes in the z-plane (``z1``, ``z2``), their images
    (``x1``, ``x2``) and |det J| at the cell centres (``area_scale``)."""

    z1: np.ndarray = field(default_factory=lambda: np.empty(0))
    z2: np.ndarray = field(default_factory=lambda: np.empty(0))
    x1: np.ndarray = field(default_factory=lambda: np.empty(0))
    x2: np.ndarray = field(default_factory=lambda: np.empty(0))
    area_scale: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass
class ContourPlot(_Picture):
    """:func:`contours`: density on the grid ``x1`` × ``x2`` (``density[j, i]`` at
    (x1[i], x2[j])), the samples, and their 2-D histogram as a density."""

    x1: np.ndarray = field(default_factory=lambda: np.empty(0))
    x2: np.ndarray = field(default_factory=lambda: np.empty(0))
    density: np.ndarray = field(default_factory=lambda: np.empty(0))
    samples: np.ndarray = field(default_factory=lambda: np.empty(0))
    edges1: np.ndarray = field(default_factory=lambda: np.empty(0))
    edges2: np.ndarray = field(default_factory=lambda: np.empty(0))
    heights: np.ndarray = field(default_factory=lambda: np.empty(0))


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _figure(figsize: tuple[float, float], dpi: float):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=dpi, layout="constrained")


def _math(latex: str, fallback: str) -> str:
    """``$latex$`` when matplotlib's mathtext can draw it, else the plain fallback."""
    from matplotlib.mathtext import MathTextParser

    text = f"${latex}$"
    try:
        MathTextParser("path").parse(text)
    except (ValueError, RuntimeError):
        return fallback
    return text


def _expr_label(expr: sp.Expr) -> str:
    return _math(sp.latex(expr), sp.sstr(expr))


def _need_dimension(flow: Any, d: int, what: str, hint: str) -> None:
    got = getattr(flow, "dimension", 1)
    if got != d:
        raise PlotError(
            f"{what} draws {d}-dimensional flows; {flow!r} is {got}-dimensional. {hint}"
        )


#: Central range over interquartile range above which a sample counts as heavy-tailed
#: (normal 3.8, exponential 4.8, log-normal 9, Cauchy 63).
HEAVY_TAIL_RATIO = 12.0


def _range(samples: np.ndarray, support: Any, q: float = 0.005) -> tuple[float, float]:
    """[lo, hi] from the samples' quantiles, padded by 5 % and kept inside the support.

    The central 99 % by default; for a heavy-tailed sample (central 99 % wider than
    :data:`HEAVY_TAIL_RATIO` interquartile ranges) the central 90 %, so that the body of
    the density is drawn at a readable scale (1/Z for Z ~ N(0, 1): about ±9, not ±170).
    """
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        raise PlotError("The forward map produced no finite samples to plot.")
    lo, hi = np.quantile(finite, [q, 1 - q])
    q1, q3 = np.quantile(finite, [0.25, 0.75])
    if q3 > q1 and (hi - lo) > HEAVY_TAIL_RATIO * (q3 - q1):
        lo, hi = np.quantile(finite, [max(q, 0.05), 1 - max(q, 0.05)])
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if support is not None and isinstance(support, sp.Interval | sp.Union):
        inf, sup = support.inf, support.sup
        if inf.is_number and inf.is_finite:
            lo = max(lo, float(inf))
        if sup.is_number and sup.is_finite:
            hi = min(hi, float(sup))
    return float(lo), float(hi)


def _bins(samples: np.ndarray, lo: float, hi: float) -> int:
    """Bins from the range: the Freedman–Diaconis width 2·IQR·n^(−1/3), 20 to 200 bins."""
    inside = samples[(samples >= lo) & (samples <= hi)]
    if inside.size < 2:
        return 20
    q1, q3 = np.quantile(inside, [0.25, 0.75])
    width = 2 * (q3 - q1) * inside.size ** (-1 / 3)
    if not width > 0:
        return 60
    return int(np.clip(np.ceil((hi - lo) / width), 20, 200))


def _histogram(samples: np.ndarray, lo: float, hi: float, bins: int | None):
    if bins is None:
        bins = _bins(samples, lo, hi)
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(samples, bins=edges)
    heights = counts / (samples.size * np.diff(edges))
    return edges, heights


def _numeric_support(support: Any, params: dict) -> Any:
    if not isinstance(support, sp.Set) or not params or not support.free_symbols:
        return support
    values = {s: params[s.name] for s in support.free_symbols if s.name in params}
    return support.xreplace({s: sp.Float(v) for s, v in values.items()})


def _top(*arrays: np.ndarray) -> float:
    """A y-limit: above the histogram and the curves, but not at an integrable spike."""
    peaks = []
    for a in arrays:
        finite = a[np.isfinite(a)]
        if finite.size:
            high, peak = float(np.quantile(finite, 0.99)), float(finite.max())
            # the whole curve, unless its peak is an integrable spike (1/√x at 0)
            peaks.append(peak if peak <= 3 * high else high)
    return 1.15 * max(peaks + [1e-12])


def _base_text(base: Any) -> str:
    return repr(base)


# ---------------------------------------------------------------------------------------
# 1-D pictures
# ---------------------------------------------------------------------------------------


def densities(
    flow: Any,
    *,
    n: int = 100_000,
    seed: int = 0,
    bins: int | None = None,
    figsize: tuple[float, float] = (7.0, 4.5),
    dpi: float = 100,
    path: Any = None,
    **params: float,
) -> DensityPlot:
    """Draw p_Z(z) and p_X(x) on shared axes with a histogram of x = f(z), z ~ p_Z.

    Parameters
    ----------
    flow : Flow
        A 1-D flow (2-D flows: use :func:`contours`).
    n, seed : int
        Monte Carlo draws of the forward map, and their seed.
    bins : int, optional
        Histogram bins over the plotted range (the central 99 % of the samples, 90 % for
        heavy tails); by default from the range and the Freedman–Diaconis width.
    figsize, dpi
        Figure size in inches and resolution: a PNG has figsize·dpi pixels.
    path : str or Path, optional
        Write the figure there (the folder must exist).
    **params : float
        Values of the flow's free parameters.

    Returns
    -------
    DensityPlot
        ``.figure`` and the arrays behind it (``x``, ``density``, ``base_density``,
        ``edges``, ``heights``).

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> pic = densities(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]), n=20_000)
    >>> pic.figure.axes[0].get_xlabel()
    '$z$, $x$'
    """
    _need_dimension(flow, 1, "densities()", "Use contours(flow) for a 2-D flow.")

    kernels = flow.compile()
    xs = np.asarray(kernels.sample(n, seed=seed, **params), dtype=float)
    support = _numeric_support(flow.support, params)
    x_lo, x_hi = _range(xs, support)
    # a map of several base variables to one (a sum, a ratio) has no base curve to draw
    scalar_base = not isinstance(flow.base, JointDistribution)
    lo, hi = x_lo, x_hi
    if scalar_base:
        base = flow.base.scipy(params)
        base_support = _numeric_support(flow.base.support, params)
        z_lo, z_hi = (float(v) for v in base.ppf([0.005, 0.995]))
        if isinstance(base_support, sp.Interval):
            z_lo = max(z_lo, float(base_support.inf)) if base_support.inf.is_finite else z_lo
            z_hi = min(z_hi, float(base_support.sup)) if base_support.sup.is_finite else z_hi
        lo, hi = min(x_lo, z_lo), max(x_hi, z_hi)
    grid = np.linspace(lo, hi, 1601)
    with np.errstate(all="ignore"):
        density = np.asarray(kernels.prob(grid, **params), dtype=float)
        base_density = (
            np.asarray(base.pdf(grid), dtype=float) if scalar_base else np.full_like(grid, np.nan)
        )
    edges, heights = _histogram(xs, x_lo, x_hi, bins)

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    ax.stairs(
        heights,
        edges,
        fill=True,
        alpha=0.3,
        color="C1",
        label=f"histogram of $x = f(z)$, n = {n:,}",
    )
    if scalar_base:
        ax.plot(grid, base_density, color="C0", lw=1.6, label=r"$p_Z(z)$, base")
    ax.plot(grid, density, color="C3", lw=1.8, label=r"$p_X(x)$, derived")
    ax.set_xlim(lo, hi)
    shown = base_density if scalar_base else np.zeros(1)
    ax.set_ylim(0, _top(heights, density[(grid >= x_lo) & (grid <= x_hi)], shown))
    ax.set_xlabel(r"$z$, $x$" if scalar_base else r"$x$")
    ax.set_ylabel(r"density $p(\cdot)$")
    ax.set_title(f"{_map_label(flow)},  $z \\sim$ {_base_text(flow.base)}")
    ax.legend(loc="best", fontsize="small")
    pic = DensityPlot(fig, grid, density, base_density, edges, heights, int(n))
    if path is not None:
        pic.save(path)
    return pic


def _map_label(flow: Any) -> str:
    if not all(isinstance(tr, ScalarTransform) for tr in flow.transforms):
        value = flow.transforms[-1].exprs[0]  # a map of several variables
        text = sp.latex(value)
        return _math(f"x = {text}", f"x = {sp.sstr(value)}")
    value: sp.Expr = sp.Symbol("z")
    for tr in flow.transforms:
        value = tr.compose(value)
    text = sp.latex(value)
    return _math(f"x = {text}", f"x = {sp.sstr(value)}")


def stages(
    flow: Any,
    *,
    n: int = 50_000,
    seed: int = 0,
    bins: int = 50,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    path: Any = None,
    **params: float,
) -> StagePlot:
    """The density after each layer of a chain, z_0 ~ p_Z, z_1 = f_1(z_0), …, x = z_K.

    Each panel shows the derived density of z_i (compiled from the flow's first i layers,
    read from ``flow.layers``) over a histogram of the same Monte Carlo draws pushed
    through those layers.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.Transform(2 * z, z)])
    >>> [s.label for s in stages(X, n=5_000).stages]
    ['$z_0$', '$z_{1} = e^{z_{0}}$', '$x = z_{2} = 2 z_{1}$']
    """
    _need_dimension(flow, 1, "stages()", "Use contours(flow) for a 2-D flow.")
    from symflow.codegen.kernel import compile_program
    from symflow.core.program import build_program

    k = len(flow.layers)
    if figsize is None:
        figsize = (3.3 * (k + 1), 3.6)
    fig = _figure(figsize, dpi)
    axes = fig.subplots(1, k + 1, squeeze=False)[0]
    out = []
    for i in range(k + 1):
        if i == k:
            kernels = flow.compile()
            support = flow.support
        else:
            program = build_program(flow.base, flow.layers[:i])
            kernels = compile_program(program, flow.base)
            support = program.support
        xs = np.asarray(kernels.sample(n, seed=seed, **params), dtype=float)
        lo, hi = _range(xs, _numeric_support(support, params))
        grid = np.linspace(lo, hi, 501)
        with np.errstate(all="ignore"):
            density = np.asarray(kernels.prob(grid, **params), dtype=float)
        edges, heights = _histogram(xs, lo, hi, bins)
        label = _stage_label(flow, i, k)
        ax = axes[i]
        ax.stairs(heights, edges, fill=True, alpha=0.3, color="C1")
        ax.plot(grid, density, color="C3", lw=1.6)
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, _top(heights, density))
        ax.set_title(label, fontsize="medium")
        ax.set_xlabel(_math(f"z_{{{i}}}" if i < k else "x", f"z_{i}"))
        if i == 0:
            ax.set_ylabel("density")
        out.append(Stage(i, label, grid, density, edges, heights))
    fig.suptitle(f"{_base_text(flow.base)} through {k} layer{'s' if k != 1 else ''}")
    pic = StagePlot(fig, tuple(out))
    if path is not None:
        pic.save(path)
    return pic


def _stage_label(flow: Any, i: int, k: int) -> str:
    if i == 0:
        return "$z_0$"
    layer = flow.layers[i - 1]
    expr = layer.transform.compose(sp.Symbol(f"z_{i - 1}"))
    head = f"z_{{{i}}}" if i < k else f"x = z_{{{i}}}"
    return _math(f"{head} = {sp.latex(expr)}", f"{head} = {sp.sstr(expr)}")


# ---------------------------------------------------------------------------------------
# 2-D pictures
# ---------------------------------------------------------------------------------------


def _box(base: Any, params: dict, q: float) -> list[tuple[float, float]]:
    """Per-coordinate [lo, hi] holding the central q of each marginal of the base."""
    if base is None:
        from scipy import stats

        lo, hi = stats.norm.ppf([(1 - q) / 2, (1 + q) / 2])
        return [(float(lo), float(hi))] * 2
    components = getattr(base, "components", None)
    if components is not None:
        out = []
        for c in components:
            lo, hi = c.scipy(params).ppf([(1 - q) / 2, (1 + q) / 2])
            out.append((float(lo), float(hi)))
        return out
    mean = getattr(base, "mean", None)
    cov = getattr(base, "cov", None)
    if mean is not None and cov is not None:
        from scipy import stats

        half = float(stats.norm.ppf((1 + q) / 2))
        return [
            (
                float(m) - half * float(sp.sqrt(cov[j, j])),
                float(m) + half * float(sp.sqrt(cov[j, j])),
            )
            for j, m in enumerate(mean)
        ]
    raise PlotError(f"deformation(): cannot choose a plotting range from the base {base!r}.")


def deformation(
    transform: Any,
    *,
    base: Any = None,
    lines: int = 21,
    quantile: float = 0.98,
    figsize: tuple[float, float] = (9.0, 4.2),
    dpi: float = 100,
    path: Any = None,
    **params: float,
) -> DeformationPlot:
    """A grid of the z-plane and its image under a 2-D map, coloured by |det J|.

    The colour of a cell is the local area scale |det ∂f/∂z| at its centre: where it is
    above 1 the map enlarges area and the density is thinned, below 1 it is concentrated.

    Parameters
    ----------
    transform : Transform or Flow
        A 2-D transform ``Transform([e1, e2], [z1, z2])``, or a 2-D flow (its transforms
        are composed and its base sets the range).
    base : distribution, optional
        Sets the z-range (the central ``quantile`` of each marginal); default a standard
        normal in each coordinate.
    lines : int
        Grid lines per direction.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> pic = deformation(sf.Transform([2 * z1 + z2, 3 * z2], [z1, z2]), lines=5)
    >>> float(pic.area_scale.min()), float(pic.area_scale.max())
    (6.0, 6.0)
    """
    exprs, variables, base = _two_d_map(transform, base)
    lo_hi = _box(base, params, quantile)
    by_name = {s.name: s for e in exprs for s in e.free_symbols}
    subs = {by_name[k]: v for k, v in params.items() if k in by_name}
    exprs = [e.xreplace(subs) for e in exprs]
    jac = sp.Matrix(exprs).jacobian(list(variables))
    det = sp.Abs(jac.det())
    free = (set().union(*[e.free_symbols for e in exprs]) | det.free_symbols) - set(variables)
    if free:
        names = sorted(s.name for s in free)
        raise PlotError(
            f"deformation(): give values for the parameters {', '.join(names)} as keyword "
            f"arguments, e.g. deformation(t, {names[0]}=1.0)."
        )
    forward = sp.lambdify(variables, exprs, "numpy")
    scale = sp.lambdify(variables, det, "numpy")
    g1 = np.linspace(*lo_hi[0], lines)
    g2 = np.linspace(*lo_hi[1], lines)
    z1, z2 = np.meshgrid(g1, g2)
    c1 = (g1[:-1] + g1[1:]) / 2
    c2 = (g2[:-1] + g2[1:]) / 2
    m1, m2 = np.meshgrid(c1, c2)
    with np.errstate(all="ignore"):
        x1, x2 = (np.broadcast_to(np.asarray(v, dtype=float), z1.shape) for v in forward(z1, z2))
        area = np.broadcast_to(np.asarray(scale(m1, m2), dtype=float), m1.shape).copy()
    x1, x2 = np.array(x1), np.array(x2)

    from matplotlib.colors import LogNorm, Normalize, TwoSlopeNorm

    fig = _figure(figsize, dpi)
    left, right = fig.subplots(1, 2)
    finite = area[np.isfinite(area) & (area > 0)]
    lo = float(finite.min()) if finite.size else 0.5
    hi = float(finite.max()) if finite.size else 2.0
    if hi / max(lo, 1e-300) > 20:
        norm = LogNorm(lo, hi)
    elif lo < 1 < hi:  # blue: area shrinks (density concentrated), red: area grows
        norm = TwoSlopeNorm(1.0, lo, hi)
    else:
        norm = Normalize(min(lo, 1.0) * 0.95, max(hi, 1.0) * 1.05)
    masked = np.ma.masked_invalid(area)
    left.pcolormesh(z1, z2, masked, cmap="coolwarm", norm=norm, shading="flat")
    _grid_lines(left, z1, z2)
    left.set_title(r"$z$-plane")
    left.set_xlabel(r"$z_1$")
    left.set_ylabel(r"$z_2$")
    left.set_aspect("equal", adjustable="datalim")
    good = np.isfinite(x1) & np.isfinite(x2)
    if good.all():
        mesh = right.pcolormesh(x1, x2, masked, cmap="coolwarm", norm=norm, shading="flat")
    else:
        mesh = right.scatter(x1[good], x2[good], s=4, c="k")
    _grid_lines(right, x1, x2)
    right.set_title(r"$x = f(z)$-plane")
    right.set_xlabel(r"$x_1$")
    right.set_ylabel(r"$x_2$")
    right.set_aspect("equal", adjustable="datalim")
    fig.colorbar(mesh, ax=[left, right], label=r"area scale $|\det J|$", shrink=0.85)
    label = _math(
        r"f(z) = \left(" + ", ".join(sp.latex(e) for e in exprs) + r"\right)",
        "f(z) = (" + ", ".join(sp.sstr(e) for e in exprs) + ")",
    )
    fig.suptitle(label)
    pic = DeformationPlot(fig, z1, z2, x1, x2, area)
    if path is not None:
        pic.save(path)
    return pic


def _grid_lines(ax: Any, a: np.ndarray, b: np.ndarray) -> None:
    for j in range(a.shape[0]):
        ax.plot(a[j, :], b[j, :], color="k", lw=0.5)
    for i in range(a.shape[1]):
        ax.plot(a[:, i], b[:, i], color="k", lw=0.5)


def _two_d_map(transform: Any, base: Any):
    """(expressions, variables, base) of a 2-D transform or flow; PlotError otherwise."""
    transforms = getattr(transform, "transforms", None)
    if transforms is not None:  # a Flow
        _need_dimension(
            transform,
            2,
            "deformation()",
            "For a 1-D flow use densities(flow) or stages(flow).",
        )
        first = transforms[0]
        variables = list(first.vars)
        value = list(first.exprs)
        for tr in transforms[1:]:
            value = [e.xreplace(dict(zip(tr.vars, value, strict=True))) for e in tr.exprs]
        return value, variables, base if base is not None else transform.base
    if not (isinstance(transform, VectorTransform) and transform.dimension == 2):
        dimension = getattr(transform, "dimension", None)
        raise PlotError(
            f"deformation() draws 2-D transforms Transform([e1, e2], [z1, z2]); got "
            f"{transform!r}, which is {dimension or 'not a'}-dimensional. For a 1-D flow use "
            f"densities(flow) or stages(flow)."
        )
    return list(transform.exprs), list(transform.vars), base


def contours(
    flow: Any,
    *,
    n: int = 20_000,
    seed: int = 0,
    grid: int = 120,
    bins: int = 30,
    shown: int = 2_000,
    figsize: tuple[float, float] = (6.0, 5.0),
    dpi: float = 100,
    path: Any = None,
    **params: float,
) -> ContourPlot:
    """Contours of a 2-D flow's derived density with forward-map samples on top.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> from symflow.core.multivariate import Independent
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> X = sf.Flow(Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
    ...             [sf.Transform([2 * z1 + z2, 3 * z2], [z1, z2])])
    >>> pic = contours(X, n=5_000, grid=40)
    >>> pic.density.shape
    (40, 40)
    """
    _need_dimension(flow, 2, "contours()", "Use densities(flow) or stages(flow) for a 1-D flow.")
    kernels = flow.compile()
    xs = np.asarray(kernels.sample(n, seed=seed, **params), dtype=float)
    (lo1, hi1), (lo2, hi2) = _range(xs[:, 0], None), _range(xs[:, 1], None)
    a1 = np.linspace(lo1, hi1, grid)
    a2 = np.linspace(lo2, hi2, grid)
    m1, m2 = np.meshgrid(a1, a2)
    points = np.column_stack([m1.ravel(), m2.ravel()])
    with np.errstate(all="ignore"):
        density = np.asarray(kernels.prob(points, **params), dtype=float).reshape(m1.shape)
    e1 = np.linspace(lo1, hi1, bins + 1)
    e2 = np.linspace(lo2, hi2, bins + 1)
    counts, _, _ = np.histogram2d(xs[:, 0], xs[:, 1], bins=[e1, e2])
    heights = counts / (xs.shape[0] * np.outer(np.diff(e1), np.diff(e2)))

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    filled = ax.contourf(m1, m2, density, levels=12, cmap="viridis")
    ax.contour(m1, m2, density, levels=12, colors="k", linewidths=0.4)
    show = xs[: min(shown, xs.shape[0])]
    ax.scatter(show[:, 0], show[:, 1], s=2, c="w", alpha=0.5, label=f"{show.shape[0]:,} samples")
    fig.colorbar(filled, ax=ax, label=r"$p_X(x_1, x_2)$")
    ax.set_xlim(lo1, hi1)
    ax.set_ylim(lo2, hi2)
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    ax.set_title(f"Density of X, $Z \\sim$ {_base_text(flow.base)}", fontsize="medium")
    ax.legend(loc="upper right", fontsize="small")
    pic = ContourPlot(fig, a1, a2, density, xs, e1, e2, heights)
    if path is not None:
        pic.save(path)
    return pic
