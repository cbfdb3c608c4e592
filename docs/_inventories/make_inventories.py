"""Write the small offline inventories that docs/conf.py falls back to without a network.

Each project's online ``objects.inv`` is used when it can be fetched. Offline (CI has no
network) these files resolve the names symflow's signatures and pages refer to, with the
addresses those projects publish. Run ``python docs/_inventories/make_inventories.py``
after adding a name.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# project -> [(name, domain:role, address relative to the project's root)]
OBJECTS: dict[str, list[tuple[str, str, str]]] = {
    "python": [
        ("ValueError", "py:exception", "library/exceptions.html#ValueError"),
        ("TypeError", "py:exception", "library/exceptions.html#TypeError"),
        ("RuntimeError", "py:exception", "library/exceptions.html#RuntimeError"),
        ("ArithmeticError", "py:exception", "library/exceptions.html#ArithmeticError"),
        ("OSError", "py:exception", "library/exceptions.html#OSError"),
        ("Exception", "py:exception", "library/exceptions.html#Exception"),
        ("UserWarning", "py:exception", "library/exceptions.html#UserWarning"),
        ("float", "py:class", "library/functions.html#float"),
        ("int", "py:class", "library/functions.html#int"),
        ("str", "py:class", "library/stdtypes.html#str"),
        ("bool", "py:class", "library/functions.html#bool"),
        ("dict", "py:class", "library/stdtypes.html#dict"),
        ("list", "py:class", "library/stdtypes.html#list"),
        ("tuple", "py:class", "library/stdtypes.html#tuple"),
        ("object", "py:class", "library/functions.html#object"),
        ("pathlib.Path", "py:class", "library/pathlib.html#pathlib.Path"),
        ("typing.Any", "py:data", "library/typing.html#typing.Any"),
        (
            "collections.abc.Sequence",
            "py:class",
            "library/collections.abc.html#collections.abc.Sequence",
        ),
        (
            "collections.abc.Mapping",
            "py:class",
            "library/collections.abc.html#collections.abc.Mapping",
        ),
        (
            "collections.abc.Callable",
            "py:class",
            "library/collections.abc.html#collections.abc.Callable",
        ),
    ],
    "numpy": [
        ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
        (
            "numpy.random.Generator",
            "py:class",
            "reference/random/generator.html#numpy.random.Generator",
        ),
        (
            "numpy.random.default_rng",
            "py:function",
            "reference/random/generator.html#numpy.random.default_rng",
        ),
        ("numpy.float64", "py:attribute", "reference/arrays.scalars.html#numpy.float64"),
    ],
    "scipy": [
        (
            "scipy.stats.rv_continuous",
            "py:class",
            "reference/generated/scipy.stats.rv_continuous.html#scipy.stats.rv_continuous",
        ),
        (
            "scipy.stats.kstest",
            "py:function",
            "reference/generated/scipy.stats.kstest.html#scipy.stats.kstest",
        ),
        (
            "scipy.optimize.minimize",
            "py:function",
            "reference/generated/scipy.optimize.minimize.html#scipy.optimize.minimize",
        ),
        (
            "scipy.integrate.quad",
            "py:function",
            "reference/generated/scipy.integrate.quad.html#scipy.integrate.quad",
        ),
        ("scipy.special", "py:module", "reference/special.html#module-scipy.special"),
    ],
    "sympy": [
        ("sympy.core.expr.Expr", "py:class", "modules/core.html#sympy.core.expr.Expr"),
        ("sympy.core.basic.Basic", "py:class", "modules/core.html#sympy.core.basic.Basic"),
        ("sympy.core.symbol.Symbol", "py:class", "modules/core.html#sympy.core.symbol.Symbol"),
        ("sympy.sets.sets.Set", "py:class", "modules/sets.html#sympy.sets.sets.Set"),
        (
            "sympy.matrices.dense.MutableDenseMatrix",
            "py:class",
            "modules/matrices/dense.html#sympy.matrices.dense.MutableDenseMatrix",
        ),
        ("sympy.sets.sets.Interval", "py:class", "modules/sets.html#sympy.sets.sets.Interval"),
        (
            "sympy.functions.elementary.piecewise.Piecewise",
            "py:class",
            "modules/functions/elementary.html#sympy.functions.elementary.piecewise.Piecewise",
        ),
        (
            "sympy.utilities.lambdify.lambdify",
            "py:function",
            "modules/utilities/lambdify.html#sympy.utilities.lambdify.lambdify",
        ),
    ],
    "numba": [
        ("numba.njit", "py:function", "reference/jit-compilation.html#numba.njit"),
        ("numba.cfunc", "py:function", "reference/jit-compilation.html#numba.cfunc"),
    ],
    "matplotlib": [
        (
            "matplotlib.figure.Figure",
            "py:class",
            "api/_as_gen/matplotlib.figure.Figure.html#matplotlib.figure.Figure",
        ),
        ("matplotlib.axes.Axes", "py:class", "api/_as_gen/matplotlib.axes.Axes.html"),
    ],
    "dask": [
        ("dask.array.Array", "py:class", "generated/dask.array.Array.html#dask.array.Array"),
    ],
}


def write(project: str, objects: list[tuple[str, str, str]]) -> None:
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in objects)
    (HERE / f"{project}.inv").write_bytes(header + zlib.compress(body.encode()))


if __name__ == "__main__":
    for project, objects in OBJECTS.items():
        write(project, objects)
