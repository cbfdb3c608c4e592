"""A chain of K = 3 layers, z/2 + 1, then exp, then 2y + 1, with its stage plot.

log p_X(x) = log p_Z(z_0) - sum_i log|f_i'(z_{i-1})|: the derivation lists each layer's
term; the stage plot shows the density after every layer.

Run: python examples/layers.py [--out DIR]   (writes layers.tex and layers-stages.png)
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
    X = sf.Flow(
        sf.Normal(0, 1),
        [sf.Transform(z / 2 + 1, z), sf.Transform(sp.exp(z), z), sf.Transform(2 * z + 1, z)],
    )
    derivation = X.derivation()
    print(derivation)
    for i, term in enumerate(derivation.log_terms, start=1):
        print(f"log|f_{i}'| in x: {term}")
    print("Named family:", X.family())  # LogNormal(mu=1 + log(2), sigma=1/2, loc=1)

    (out / "layers.tex").write_text(derivation.latex(full_document=True))
    picture = plot.stages(X, n=n, path=out / "layers-stages.png")
    print(f"wrote {out / 'layers.tex'} and layers-stages.png ({len(picture.stages)} panels)")


if __name__ == "__main__":
    main()
