"""
A derivation rendered as mathematics
====================================

``derivation()`` writes the textbook argument for a change of variables: the theorem, the
inverse, the derivative and what it does to lengths, the substitution, the result, the
support and the name. Below, the derivation for X = 2Z + 3 with Z ~ N(0, 1), rendered on
this page from its LaTeX.
"""

import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)])
derivation = X.derivation()
derivation  # noqa: B018 - the gallery shows the last expression rendered
