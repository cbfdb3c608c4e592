"""The text report of a maximum-likelihood estimate θ̂ = argmax_θ Σ_i log p_X(x_i; θ).

Fitting (:class:`~symflow.stats.fit.FitResult`) and training
(:class:`~symflow.stats.train.TrainResult`) print the same report: a heading with the
verdict, the optimiser and its cost, lines of their own, then one row per parameter with
its estimate and standard error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["estimate_report"]


def estimate_report(result: Any, action: str, summary: Sequence[str], footer: str = "") -> str:
    """The report of θ̂: "Maximum-likelihood ``action`` n points: verdict (method,
    iterations, seconds)", the ``summary`` lines, the table of estimates and standard
    errors (fixed parameters marked), then ``footer`` when there is one.

    ``result`` has the fields ``n``, ``success``, ``method``, ``nit``, ``seconds``,
    ``params``, ``stderr`` and ``fixed`` of a fit or training result.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(n=1000, success=True, method="BFGS", nit=7, seconds=0.25,
    ...                     params={"mu": 1.5, "s": 2.0}, stderr={"mu": 0.05}, fixed={"s": 2.0})
    >>> print(estimate_report(r, "fit of X to", ["  log-likelihood = -1234.5"]))
    Maximum-likelihood fit of X to 1,000 points: converged (BFGS, 7 iterations, 0.25 s)
      log-likelihood = -1234.5
      parameter            estimate     std. error
      mu                        1.5           0.05
      s                           2        (fixed)
    """
    verdict = "converged" if result.success else "NOT converged"
    lines = [
        f"Maximum-likelihood {action} {result.n:,} points: {verdict} "
        f"({result.method}, {result.nit} iterations, {result.seconds:.3g} s)",
        *summary,
        f"  {'parameter':<12} {'estimate':>16} {'std. error':>14}",
    ]
    for name, value in result.params.items():
        err = "(fixed)" if name in result.fixed else f"{result.stderr[name]:.6g}"
        lines.append(f"  {name:<12} {value:>16.10g} {err:>14}")
    if footer:
        lines.append(footer)
    return "\n".join(lines)
