"""
Maximum likelihood for a transformed distribution
=================================================

The flow exp(σZ + μ) with free parameters μ and σ is the log-normal family. ``fit``
maximises the exact log-likelihood of data (gradient and Hessian derived symbolically) and
reports standard errors; ``to_scipy`` turns the fitted flow into a SciPy distribution.
"""

import numpy as np
import sympy as sp

import symflow as sf
from symflow.present import plot

z = sp.Symbol("z", real=True)
mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])
data = np.random.default_rng(0).lognormal(0.7, 1.3, 5_000)
fit = X.fit(data)
print(fit)
dist = X.to_scipy(**fit.params)
print("mean", dist.mean(), "97.5 % quantile", dist.ppf(0.975))

# %%
# The fitted density over a histogram of its own samples.
picture = plot.densities(X, n=20_000, **fit.params)
