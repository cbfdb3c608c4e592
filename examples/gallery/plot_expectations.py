"""
Expectations: moments, entropy, median
======================================

Expectations are taken through the base, E[h(X)] = E[h(f(Z))], exactly where SymPy can
integrate and by quadrature otherwise; every exact value is checked against a numerical
integral before it is returned. For the log-normal X = e^Z:

.. math:: \\mathbb{E}X = e^{1/2}, \\qquad \\operatorname{Var}X = (e - 1)\\,e .

An infinite moment is ``oo``; an undefined one (the mean of a Cauchy) is an error.
"""

import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
print("mean:", X.mean())
print("variance:", sp.simplify(X.variance()))
print("median:", X.median())
print("E[log X] =", X.expectation(sp.log(x)))

U = sf.Flow(sf.Uniform(0, 1), [sf.Transform(1 / z, z)])
print("mean of 1/U:", U.mean())

C = sf.Flow(sf.Cauchy(0, 1), [sf.Transform(2 * z, z)])
try:
    C.mean()
except sf.SymflowError as err:
    print("Cauchy mean:", err)
