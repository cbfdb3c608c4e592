"""Pictures: the data behind each plot agrees with scipy.stats, files have the asked size.

Histograms are compared with the exact bin averages of an independent scipy oracle
((F(b) − F(a)) / (b − a)), curves with the oracle's pdf; images are read back and only
their shape is checked, never their pixels.
"""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.present import OutputPathError, PlotError, plot

z = sp.Symbol("z", real=True)
z1, z2 = sp.symbols("z1 z2", real=True)


def bin_averages(oracle, edges):
    return np.diff(oracle.cdf(edges)) / np.diff(edges)


def assert_histogram_matches(heights, edges, oracle, tolerance=0.04):
    """max |histogram − exact bin average| small relative to the density's scale."""
    expected = bin_averages(oracle, edges)
    scale = expected.max()
    assert np.max(np.abs(heights - expected)) < tolerance * scale


@pytest.fixture(scope="module")
def flow_2d():
    return sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
        [sf.Transform([2 * z1 + z2, 3 * z2], [z1, z2])],
    )


def test_densities_lognormal(flows, tmp_path):
    X = flows.flow("normal-exp")
    oracle = stats.lognorm(1)
    target = tmp_path / "lognormal.png"
    pic = plot.densities(X, n=100_000, seed=3, bins=50, figsize=(4, 3), dpi=50, path=target)
    assert_histogram_matches(pic.heights, pic.edges, oracle)
    np.testing.assert_allclose(pic.density, oracle.pdf(pic.x), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(pic.base_density, stats.norm.pdf(pic.x), rtol=1e-12)
    # the range comes from quantiles: it starts inside the support and ends near the 99.5 %
    assert 0 <= pic.edges[0] < oracle.ppf(0.01)
    assert oracle.ppf(0.99) < pic.edges[-1] < 1.2 * oracle.ppf(0.995)
    image = mpimg.imread(target)
    assert image.shape[:2] == (150, 200)
    assert target.stat().st_size > 1000
    ax = pic.figure.axes[0]
    assert ax.get_title() and ax.get_xlabel().startswith("$") and ax.get_ylabel()


def test_densities_two_branches(flows):
    pic = plot.densities(flows.flow("normal-square"), n=100_000, seed=1, bins=40)
    # the chi-square(1) density is unbounded at 0: compare away from the first bins
    expected = bin_averages(stats.chi2(1), pic.edges)
    assert np.max(np.abs(pic.heights - expected)[3:]) < 0.04 * expected[3:].max()
    inside = pic.x > 0.05
    np.testing.assert_allclose(pic.density[inside], stats.chi2(1).pdf(pic.x[inside]), rtol=1e-9)


def test_densities_with_parameter_values(tmp_path):
    sigma = sp.Symbol("sigma", positive=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z), z)])
    pic = plot.densities(X, n=50_000, seed=0, bins=40, sigma=0.5)
    assert_histogram_matches(pic.heights, pic.edges, stats.lognorm(0.5), tolerance=0.05)


def test_stages_of_a_chain(flows, tmp_path):
    X = flows.flow("normal-chain3")
    target = tmp_path / "stages.png"
    pic = plot.stages(X, n=60_000, seed=2, bins=40, figsize=(8, 2.5), dpi=40, path=target)
    oracles = [
        stats.norm(0, 1),
        stats.norm(1, 0.5),
        stats.lognorm(0.5, scale=np.e),
        stats.lognorm(0.5, loc=1, scale=2 * np.e),
    ]
    assert [s.index for s in pic.stages] == [0, 1, 2, 3]
    for stage, oracle in zip(pic.stages, oracles, strict=True):
        assert_histogram_matches(stage.heights, stage.edges, oracle, tolerance=0.05)
        np.testing.assert_allclose(stage.density, oracle.pdf(stage.x), rtol=1e-8, atol=1e-300)
    assert pic.stages[2].label.startswith("$z_{2} =")
    assert mpimg.imread(target).shape[:2] == (100, 320)


def _polygon_areas(a, b):
    """Areas of the quadrilateral cells of a mapped grid (shoelace formula)."""
    corners = [
        (a[:-1, :-1], b[:-1, :-1]),
        (a[:-1, 1:], b[:-1, 1:]),
        (a[1:, 1:], b[1:, 1:]),
        (a[1:, :-1], b[1:, :-1]),
    ]
    total = 0
    for (xa, ya), (xb, yb) in zip(corners, corners[1:] + corners[:1], strict=True):
        total = total + xa * yb - xb * ya
    return np.abs(total) / 2


def _transform_2d(exprs):
    return sf.Transform(exprs, [z1, z2])


def test_deformation_of_a_linear_map_scales_area_by_det(tmp_path):
    target = tmp_path / "deformation.png"
    pic = plot.deformation(
        _transform_2d([2 * z1 + z2, 3 * z2]), lines=9, figsize=(6, 3), dpi=50, path=target
    )
    np.testing.assert_allclose(pic.area_scale, 6.0)
    ratio = _polygon_areas(pic.x1, pic.x2) / _polygon_areas(pic.z1, pic.z2)
    np.testing.assert_allclose(ratio, 6.0, rtol=1e-12)
    assert mpimg.imread(target).shape[:2] == (150, 300)
    # the z-range is the central 98 % of a standard normal, not a fixed box
    assert pic.z1.min() == pytest.approx(stats.norm.ppf(0.01))


def test_deformation_of_polar_coordinates_matches_cell_areas():
    pic = plot.deformation(_transform_2d([z1 * sp.cos(z2), z1 * sp.sin(z2)]), lines=61)
    centres = (pic.z1[:-1, :-1] + pic.z1[1:, 1:]) / 2
    np.testing.assert_allclose(pic.area_scale, np.abs(centres), rtol=1e-12)
    ratio = _polygon_areas(pic.x1, pic.x2) / _polygon_areas(pic.z1, pic.z2)
    far = np.abs(centres) > 0.5  # away from the origin, where |det J| -> 0
    np.testing.assert_allclose(ratio[far], pic.area_scale[far], rtol=0.02)


def test_contours_of_a_2d_flow(flow_2d, tmp_path):
    target = tmp_path / "contours.png"
    pic = plot.contours(
        flow_2d, n=200_000, seed=0, grid=50, bins=16, figsize=(5, 4), dpi=40, path=target
    )
    oracle = stats.multivariate_normal([0, 0], [[5, 3], [3, 9]])
    m1, m2 = np.meshgrid(pic.x1, pic.x2)
    np.testing.assert_allclose(pic.density, oracle.pdf(np.dstack([m1, m2])), rtol=1e-9)
    c1 = (pic.edges1[:-1] + pic.edges1[1:]) / 2
    c2 = (pic.edges2[:-1] + pic.edges2[1:]) / 2
    g1, g2 = np.meshgrid(c1, c2, indexing="ij")
    expected = oracle.pdf(np.dstack([g1, g2]))
    assert np.max(np.abs(pic.heights - expected)) < 0.1 * expected.max()
    assert mpimg.imread(target).shape[:2] == (160, 200)


# -- bad inputs -----------------------------------------------------------------------


def test_contours_refuses_a_1d_flow(flows):
    with pytest.raises(PlotError, match=r"contours\(\) draws 2-dimensional flows.*1-dimensional"):
        plot.contours(flows.flow("normal-exp"))


def test_deformation_refuses_a_scalar_transform():
    with pytest.raises(PlotError, match=r"deformation\(\) draws 2-D transforms.*exp\(z\)"):
        plot.deformation(sf.Transform(sp.exp(z), z))


def test_deformation_asks_for_parameter_values():
    a = sp.Symbol("a", positive=True)
    with pytest.raises(PlotError, match="give values for the parameters a"):
        plot.deformation(_transform_2d([a * z1, z2]))


def test_densities_and_stages_refuse_a_2d_flow(flow_2d):
    with pytest.raises(PlotError, match=r"densities\(\) draws 1-dimensional flows.*contours"):
        plot.densities(flow_2d)
    with pytest.raises(PlotError, match=r"stages\(\) draws 1-dimensional flows"):
        plot.stages(flow_2d)


def test_missing_folder_is_a_clear_error(flows, tmp_path):
    pic = plot.densities(flows.flow("normal-exp"), n=2_000)
    target = tmp_path / "no" / "such" / "folder" / "a.png"
    with pytest.raises(OutputPathError, match="folder .*folder' does not exist"):
        pic.save(target)
    with pytest.raises(OutputPathError, match="does not exist"):
        plot.densities(flows.flow("normal-exp"), n=2_000, path=target)
    with pytest.raises(OutputPathError, match="does not know the format '.xyz'"):
        pic.save(tmp_path / "a.xyz")
    with pytest.raises(OutputPathError, match="give the file a suffix"):
        pic.save(tmp_path / "picture")


def test_missing_parameter_value_is_a_clear_error():
    sigma = sp.Symbol("sigma", positive=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z), z)])
    with pytest.raises(sf.ParameterError, match="sigma"):
        plot.densities(X, n=1_000)


@pytest.fixture(scope="module")
def reciprocal_picture():
    """1/Z for Z ~ N(0, 1): a density with Cauchy-like tails."""
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(1 / z, z)])
    return plot.densities(X, n=100_000, seed=1, figsize=(4, 3), dpi=50)


def test_heavy_tails_range_from_quantiles(reciprocal_picture):
    """The plotted range holds the body (about ±9, the central 90 %), not ±170."""
    ax = reciprocal_picture.figure.axes[0]
    lo, hi = ax.get_xlim()
    assert -20 < lo < -4 and 4 < hi < 20
    # P(|1/Z| < h) = P(|Z| > 1/h) ≈ 0.9 under the independent oracle Z ~ N(0, 1)
    shown = 2 * stats.norm.cdf(-1 / hi)
    assert shown > 0.8


def test_heavy_tails_bins_resolve_the_peaks(reciprocal_picture):
    """Bins come from the range: narrow enough that the histogram follows the curve."""
    pic = reciprocal_picture
    widths = np.diff(pic.edges)
    assert widths.max() < 0.5
    # the density of 1/Z is φ(1/x)/x²: exact bin averages from the oracle's CDF
    exact = np.diff(_reciprocal_cdf(pic.edges)) / widths
    assert np.max(np.abs(pic.heights - exact)) < 0.05 * exact.max()


def _reciprocal_cdf(t):
    """P(1/Z ≤ t) for Z ~ N(0, 1)."""
    t = np.asarray(t, dtype=float)
    out = np.empty_like(t)
    neg, pos = t < 0, t > 0
    out[neg] = stats.norm.cdf(0) - stats.norm.cdf(1 / t[neg])
    out[pos] = stats.norm.cdf(0) + stats.norm.sf(1 / t[pos])
    out[~(neg | pos)] = 0.5
    return out


def test_heavy_tails_both_curves_whole(reciprocal_picture):
    """The y-limit is above both curves' maxima: neither density is cut."""
    pic = reciprocal_picture
    top = pic.figure.axes[0].get_ylim()[1]
    assert top > np.nanmax(pic.base_density) and top > np.nanmax(pic.density)
    assert np.nanmax(pic.base_density) == pytest.approx(stats.norm.pdf(0), rel=1e-3)
