"""
Training a flow with many parameters
====================================

A normalizing flow is trained by maximising the exact log-likelihood of data,
Σᵢ log p_X(xᵢ; θ). ``sf.layers`` builds parametrised layers with fresh, well-named
symbols; here two sinh-arcsinh layers, each followed by an affine map (eight parameters),
fitted to skewed, heavy-tailed draws. The gradient comes from differentiating the inverse
pass backwards (compiled with the log-density into one loop over the data), so its cost
does not grow with the number of parameters.
"""

from scipy import stats

import symflow as sf
from symflow.present import plot

data = stats.johnsonsu(a=-1.0, b=1.5, loc=0.5, scale=2.0).rvs(5_000, random_state=0)
X = sf.Flow(sf.Normal(0, 1), sf.layers.stack(sf.layers.sinh_arcsinh, sf.layers.affine, repeat=2))
print("parameters:", [p.name for p in X.parameters])

fit = X.fit(data)
print(fit)
print("mean log-likelihood per point:", fit.loglik / len(data))

# %%
# The trained density over a histogram of its own samples.
picture = plot.densities(X, n=20_000, **fit.params)
