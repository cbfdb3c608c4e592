"""The report of a check: its tests, the verdict, and numbers written for a reader.

A check is *passed* when every test passed and the samples were enough to judge; it is
*inconclusive* (and not passed) when no test failed but there were too few samples for
the statistical tests; otherwise it *failed*, and each failed test says in words what
was wrong and where.

Examples
--------
>>> r = CheckReport("Flow(Normal(0, 1), [2*z])", 10_000, 0,
...                 (TestResult("KS", 0.01, 0.3, True),), 1.0, 1e-4)
>>> r.passed, r.inconclusive
(True, False)
>>> format_number(3.25e269), format_number(6.031e8), format_number(-0.000123456)
('3.25e269', '6.03e8', '-0.000123')
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from symflow.errors import ParameterError

__all__ = [
    "CheckReport",
    "TestResult",
    "format_number",
    "reduce_blocks",
    "finite_count",
    "MIN_SAMPLES",
    "validate_sample_size",
]

#: fewer finite samples than this make the statistical tests meaningless: inconclusive
MIN_SAMPLES = 1_000


def validate_sample_size(n, flow) -> int:
    """``n`` as an int, or a ParameterError that says what a check needs."""
    if isinstance(n, bool) or not isinstance(n, numbers.Real) or n != int(n) or n <= 0:
        raise ParameterError(
            f"check() of {flow!r} needs a positive whole number of samples n; got {n!r}. "
            f"Pass n=200_000 (the default) or at least n={MIN_SAMPLES:_} for a verdict."
        )
    return int(n)


def format_number(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, with a short exponent (6.03e8, 1e-300)."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


@dataclass(frozen=True)
class TestResult:
    """One test: its name, statistic, p-value (or value), verdict, and what it found.

    ``detail`` says how the test was made; ``finding`` says in words what failed (empty
    when the test passed).
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: float
    pvalue: float
    passed: bool
    detail: str = ""
    finding: str = ""

    def line(self, alpha: float) -> str:
        """The test as one line of a report."""
        mark = "ok  " if self.passed else "FAIL"
        if math.isnan(self.pvalue):  # a deterministic test: its statistic says it all
            text = f"  {mark} {self.name:<13} {self.detail}"
        else:
            text = (
                f"  {mark} {self.name:<13} statistic = {format_number(self.statistic, 5)}, "
                f"p-value = {format_number(self.pvalue, 4)} (alpha = {alpha:g})"
                + (f"  {self.detail}" if self.detail else "")
            )
        if self.finding and not self.passed:
            text += f"\n         {self.finding}"
        return text.rstrip()


@dataclass(frozen=True)
class CheckReport:
    """The outcome of a check: ``passed`` = (no test failed) and (n large enough to judge).

    ``inconclusive`` is True when no test failed but the sample was too small for the
    statistical tests to mean anything; such a report is not passed.

    Examples
    --------
    >>> import symflow as sf
    >>> from symflow.verify.report import TestResult
    >>> ks = TestResult("KS", 0.004, 0.31, True)
    >>> r = sf.CheckReport("Flow(Normal(0, 1), [2*z])", 200_000, 0, (ks,), 1.0, 1e-4)
    >>> r.passed, r.verdict, bool(r)
    (True, 'PASSED', True)
    """

    flow: str
    n: int
    seed: int
    tests: tuple[TestResult, ...]
    normalisation: float
    alpha: float
    notes: tuple[str, ...] = field(default=())
    too_few_samples: bool = False
    #: why the statistical tests did not run (empty when they did)
    too_few_reason: str = ""

    @property
    def failed(self) -> bool:
        """True when some test failed (a failure is conclusive at any sample size)."""
        return not all(t.passed for t in self.tests)

    @property
    def inconclusive(self) -> bool:
        """inconclusive = (no test failed) and (too few samples for the statistical tests).

        Examples
        --------
        >>> import symflow as sf
        >>> from symflow.verify.report import TestResult
        >>> ks = TestResult("KS", 0.1, 0.5, True)
        >>> r = sf.CheckReport("Flow(Normal(0, 1), [2*z])", 100, 0, (ks,), 1.0, 1e-4,
        ...                    too_few_samples=True)
        >>> r.inconclusive, r.passed, r.verdict
        (True, False, 'INCONCLUSIVE')
        """
        return self.too_few_samples and not self.failed

    @property
    def passed(self) -> bool:
        """passed = (every test passed) and (enough finite samples for the statistical tests).

        Examples
        --------
        >>> import symflow as sf
        >>> from symflow.verify.report import TestResult
        >>> bad = TestResult("KS", 0.2, 1e-12, False, finding="the CDF is off near x = 0")
        >>> sf.CheckReport("Flow(Normal(0, 1), [2*z])", 200_000, 0, (bad,), 1.0, 1e-4).passed
        False
        """
        return not self.failed and not self.too_few_samples

    @property
    def verdict(self) -> str:
        """'PASSED', 'FAILED' or 'INCONCLUSIVE'."""
        if self.failed:
            return "FAILED"
        return "INCONCLUSIVE" if self.inconclusive else "PASSED"

    @property
    def pvalue(self) -> float:
        """The smallest p-value among the statistical tests."""
        values = [t.pvalue for t in self.tests if not math.isnan(t.pvalue)]
        return min(values) if values else float("nan")

    @property
    def findings(self) -> tuple[str, ...]:
        """What the failed tests found, one sentence each."""
        return tuple(t.finding or f"the {t.name} test failed" for t in self.tests if not t.passed)

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        """A table: one row per test with its statistic, p-value and verdict."""
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(t.name)}</td><td>{t.statistic:.5g}</td>"
            f"<td>{'' if math.isnan(t.pvalue) else f'{t.pvalue:.4g}'}</td>"
            f"<td>{'ok' if t.passed else 'FAIL'}</td>"
            f"<td>{escape(t.finding or t.detail or '')}</td></tr>"
            for t in self.tests
        )
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        return (
            f"<p><b>check: {self.verdict}</b> (n = {self.n:,}, seed = {self.seed}, "
            f"alpha = {self.alpha:g}) of <code>{escape(self.flow)}</code></p>"
            "<table><tr><th>test</th><th>statistic</th><th>p-value</th><th></th>"
            f"<th></th></tr>{rows}</table>" + (f"<ul>{notes}</ul>" if notes else "")
        )

    def __str__(self) -> str:
        name = self.flow if len(self.flow) <= 160 else self.flow[:150] + " ...]"
        lines = [f"check of {name}: {self.verdict} (n = {self.n:,}, seed = {self.seed})"]
        lines.extend(t.line(self.alpha) for t in self.tests)
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"


def reduce_blocks(samples, fn):
    """fn(samples) for a NumPy array; the sum of fn over the blocks of a dask array.

    The Monte Carlo check only needs such reductions (counts, sums), so it runs on
    samples spread over dask workers without gathering them.
    """
    from symflow.codegen.dask_support import is_dask

    if not is_dask(samples):
        return fn(samples)
    import dask

    parts = [dask.delayed(fn)(block) for block in samples.to_delayed().ravel()]
    return sum(dask.compute(*parts))


def finite_count(block: np.ndarray) -> int:
    """The number of samples (rows in d-D) with every coordinate finite."""
    if block.ndim == 1:
        return int(np.sum(np.isfinite(block)))
    return int(np.sum(np.all(np.isfinite(block), axis=1)))
