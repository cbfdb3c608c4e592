"""Bounded-cost symbolic work: a wall-clock limit around SymPy calls that may not return.

Principle 3 of the design: simplification and solving have a bounded cost. SymPy has no
time-outs of its own, so :func:`time_limit` uses an interval timer (main thread, POSIX);
elsewhere it runs the call without a limit.

Examples
--------
>>> with time_limit(1.0):
...     1 + 1
2
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["OutOfTime", "time_limit", "attempt"]

T = TypeVar("T")


class OutOfTime(Exception):
    """A bounded symbolic computation ran out of time (caught inside symflow)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`OutOfTime` inside the block once ``seconds`` have passed."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    )
    if not usable:
        yield
        return

    def _expire(signum, frame):  # noqa: ARG001
        raise OutOfTime(f"gave up after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def attempt(call: Callable[[], T], seconds: float, default: T) -> T:
    """``call()`` within ``seconds``, or ``default`` when it fails or runs out of time.

    Examples
    --------
    >>> attempt(lambda: 1 / 0, 1.0, "failed")
    'failed'
    """
    try:
        with time_limit(seconds):
            return call()
    except (
        OutOfTime,
        NotImplementedError,
        ValueError,
        TypeError,
        ZeroDivisionError,
        AttributeError,
        RecursionError,
    ):
        return default
