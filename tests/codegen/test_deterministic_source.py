"""Generated kernel sources do not depend on the process: two interpreters with different
hash seeds (so different orders of every set of SymPy symbols) print the same modules, byte
for byte, so that the kernel cache (named by the source's hash) is hit in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Prints {kernel/flow: source} as JSON. The flows: an affine map with two parameters after
# exp (its log-likelihood and Hessian-vector sources used to come out in seed-dependent
# orders), x = z² from Normal(mu, s) (two inverse paths), a flow with an implicit inverse
# (a root solver), the numeric marginal of Uniform + Uniform and the exact density of
# (U1 + U2, U3).
SCRIPT = """
import json
from dataclasses import replace

import sympy as sp

import symflow as sf
from symflow.codegen.cdf_kernel import cdf_source
from symflow.codegen.kernel import generate_source
from symflow.codegen.loglik import loglik_source
from symflow.codegen.marginal import _Source
from symflow.codegen.train_kernel import train_source
from symflow.core.reduce import marginal_program, reduce_transform
from symflow.stats.fit import _path_derivatives

z, z1, z2 = sp.symbols("z z1 z2", real=True)
mu, s, c = sp.Symbol("mu", real=True), sp.Symbol("s", positive=True), sp.Symbol("c", positive=True)
flows = {
    "exp-affine": sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.layers.affine(1)]),
    "square": sf.Flow(sf.Normal(mu, s), [sf.Transform(z**2, z)]),
    "implicit": sf.Flow(sf.Normal(0, 1), [sf.Transform(z + c * sp.atan(z), z)]),
}
out = {}
for name, flow in flows.items():
    p = flow.program
    out[f"log_prob/{name}"] = generate_source(p)[0]
    out[f"cdf/{name}"] = cdf_source(p)
    paths = [replace(q, assignments=q.kernel_assignments) for q in p.paths]
    out[f"loglik/{name}"] = loglik_source(p, [_path_derivatives(q, p.parameters) for q in paths])
    out[f"train/{name}"] = train_source(p)
    out[f"train_hvp/{name}"] = train_source(p, hvp=True)
u = sf.Uniform(0, 1)
r = reduce_transform(sf.Independent(u, u), [], sf.Transform(z1 + z2, [z1, z2]), exact=False)
out["marginal/uniform-sum"] = _Source(r, marginal_program(r)).build()
z3 = sp.Symbol("z3", real=True)
pair = sf.Transform([z1 + z2, z3], [z1, z2, z3])
r = reduce_transform(sf.Independent(u, u, u), [], pair, exact=True)
out["marginal/two-outputs"] = _Source(r, marginal_program(r)).build()
print(json.dumps(out))
"""


def _run(seed: str) -> subprocess.Popen:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _sources(process: subprocess.Popen) -> dict[str, str]:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    return json.loads(stdout)


def test_sources_are_the_same_under_different_hash_seeds():
    runs = [_run("0"), _run("1")]  # in parallel
    first, second = map(_sources, runs)
    assert len(first) == 17  # 5 kinds for each of 3 flows, 2 marginals
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"generated sources differ between processes: {differ}"
