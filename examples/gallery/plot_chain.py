"""
A chain of layers and its stages
================================

Transforms are listed in the order they apply: z/2 + 1, then exp, then 2y + 1. The
log-density is the base's minus one log-derivative per layer,

.. math:: \\log p_X(x) = \\log p_Z(z_0) - \\sum_{i=1}^{3} \\log|f_i'(z_{i-1})|,

and the stage plot shows the density after every layer.
"""

import sympy as sp

import symflow as sf
from symflow.present import plot

z = sp.Symbol("z", real=True)
X = sf.Flow(
    sf.Normal(0, 1),
    [sf.Transform(z / 2 + 1, z), sf.Transform(sp.exp(z), z), sf.Transform(2 * z + 1, z)],
)
for assignment in X.program.paths[0].assignments:
    print(assignment)
print("family:", X.family())

# %%
picture = plot.stages(X, n=20_000)
