"""Expansion and compression: x = 2z spreads a density thin, x = z/2 concentrates it.

|f'(z)| = 2 > 1 stretches every interval, so the same probability covers twice the length
and the density is halved; |f'(z)| = 1/2 < 1 does the opposite.

Run: python examples/expansion_compression.py [--out DIR]
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

    z = sp.Symbol("z", real=True)
    for name, expr in (("expansion", 2 * z), ("compression", z / 2)):
        X = sf.Flow(sf.Normal(0, 1), [sf.Transform(expr, z)])
        derivation = X.derivation()
        branch = derivation.layers[0].branches[0]
        print(f"{name}: x = {expr}, |det J| = {branch.abs_det}, family {X.family()}")
        print(derivation.steps[3])  # the derivative, |det J| and the word on it
        (out / f"{name}.tex").write_text(derivation.latex(full_document=True))
        picture = plot.densities(X, n=n, path=out / f"{name}.png")
        print(f"  peak density {picture.density.max():.4f} (base 0.3989); wrote {name}.png")


if __name__ == "__main__":
    main()
