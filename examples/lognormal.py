"""The log-normal: x = exp(z) for z ~ Normal(0, 1), and its symbolic version exp(σz + μ).

Run: python examples/lognormal.py [--out DIR]   (writes lognormal.tex and lognormal.png)
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
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
    derivation = X.derivation()
    print(derivation)
    print("Named family:", X.family())  # LogNormal(mu=0, sigma=1)

    # With free parameters the family keeps them symbolic.
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    Y = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])
    family = Y.family()
    print("With parameters:", family)  # LogNormal(mu=mu, sigma=sigma)
    print("scipy twin at mu=0, sigma=1/2:", family.freeze(mu=0, sigma=0.5).median())

    (out / "lognormal.tex").write_text(derivation.latex(full_document=True))
    plot.densities(X, n=n, path=out / "lognormal.png")
    plot.densities(Y, n=n, path=out / "lognormal-sigma.png", mu=0.0, sigma=0.5)
    print(f"wrote {out / 'lognormal.tex'}, {out / 'lognormal.png'}, {out / 'lognormal-sigma.png'}")


if __name__ == "__main__":
    main()
