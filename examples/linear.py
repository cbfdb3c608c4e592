"""The linear map x = 2z + 3 of a standard normal: Normal(3, 2), derived step by step.

Run: python examples/linear.py [--out DIR]   (writes linear.tex and linear.png in DIR)
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
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)])

    derivation = X.derivation()
    print(derivation)  # the textbook argument in Unicode
    print("Named family:", X.family())  # Normal(mu=3, sigma=2)
    (out / "linear.tex").write_text(derivation.latex(full_document=True))
    picture = plot.densities(X, n=n, path=out / "linear.png")
    print(f"wrote {out / 'linear.tex'} and {out / 'linear.png'} ({picture.n:,} draws)")


if __name__ == "__main__":
    main()
