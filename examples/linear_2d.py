"""A 2-D linear map with det J = 6: x = (2 z1 + z2, 3 z2) for independent standard normals.

Every small square of the z-plane becomes a parallelogram of six times its area, so the
density is divided by 6; the result is MultivariateNormal(mean=0, cov=A Aᵀ).

Run: python examples/linear_2d.py [--out DIR]
(writes linear_2d.tex, linear_2d-deformation.png and linear_2d-contours.png)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import sympy as sp

import symflow as sf
from symflow.present import plot


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the outputs (default: .)")
    parser.add_argument("--n", type=int, default=100_000, help="Monte Carlo draws per figure")
    options = parser.parse_args(argv)
    out, n = Path(options.out), options.n

    z1, z2 = sp.symbols("z1 z2", real=True)
    f = sf.Transform([2 * z1 + z2, 3 * z2], [z1, z2])  # needs vector transforms
    X = sf.Flow(sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), [f])
    derivation = X.derivation()
    print(derivation)
    print("det J =", X.layers[0].determinant)  # 6
    print("Named family:", X.family())  # MultivariateNormal(mean=[0, 0], cov=[[5, 3], [3, 9]])

    (out / "linear_2d.tex").write_text(derivation.latex(full_document=True))
    plot.deformation(f, base=X.base, path=out / "linear_2d-deformation.png")
    plot.contours(X, n=n, path=out / "linear_2d-contours.png")
    print(f"wrote {out / 'linear_2d.tex'} and the two pictures")


if __name__ == "__main__":
    main()
