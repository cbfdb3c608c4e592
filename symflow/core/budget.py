"""Bounded-cost symbolic work: a limit on the CPU time of SymPy calls that may not return.

Principle 3 of the design: simplification and solving have a bounded cost. SymPy has no
time-outs of its own, so :func:`time_limit` gives each call a deadline, in any thread and
without signals (a caller's own ``SIGALRM`` or ``ITIMER_REAL`` is left alone):

- the deadline is counted in the CPU time of the thread doing the work, not in wall-clock
  time: other processes loading the machine do not shorten it, so the same flow gets the
  same symbolic work, and compiles to the same kernel, on a busy machine as on an idle
  one. Where the platform has no per-thread CPU clock, and as a safety net for a thread
  that waits rather than works, a wall-clock limit of :data:`WALL_FACTOR` times the
  budget applies as well;
- a watchdog thread raises :class:`OutOfTime` in the thread doing the work when its
  deadline passes (``PyThreadState_SetAsyncExc``: the exception arrives between two
  Python bytecodes, so SymPy, which is pure Python, stops promptly; a single long call
  into C code stops when it returns);
- every limit is multiplied by :data:`SCALE` (1 by default; lower it to bound
  symbolic work more tightly, at the risk of fewer closed forms);
- deadlines nest cooperatively: a limit inside another never outlives the outer one, a
  limit whose enclosing deadline has already passed stops before it starts, and when
  the outer deadline passes inside an inner :func:`attempt` the inner one does not
  swallow it.

Examples
--------
>>> with time_limit(1.0):
...     1 + 1
2
"""

from __future__ import annotations

import contextlib
import ctypes
import heapq
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["OutOfTime", "time_limit", "attempt", "expired"]

T = TypeVar("T")


class OutOfTime(BaseException):
    """A bounded symbolic computation ran out of time (caught inside symflow by
    :func:`attempt`; a BaseException, so that SymPy's ``except Exception`` cannot
    swallow it)."""


def _thread_clock() -> Callable[[], float]:
    """The CPU-time clock of the calling thread (seconds), or the monotonic wall clock
    where the platform has none."""
    try:
        clock_id = time.pthread_getcpuclockid(threading.get_ident())
        time.clock_gettime(clock_id)
    except (AttributeError, OSError):
        return time.monotonic
    return lambda: time.clock_gettime(clock_id)


@dataclass(eq=False)
class _Deadline:
    """One :func:`time_limit` block: when it ends on its thread's CPU clock, and the
    wall-clock time by which it ends in any case."""

    when: float
    wall: float
    clock: Callable[[], float]
    thread: int
    active: bool = True
    fired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remaining(self) -> float:
        """Seconds until the deadline passes at the earliest (a CPU clock runs at most
        as fast as the wall clock); 0 once it has passed."""
        wall = self.wall - time.monotonic()
        try:
            cpu = self.when - self.clock()
        except OSError:  # the thread has ended
            cpu = 0.0
        return max(0.0, min(wall, cpu))

    def fire(self) -> None:
        with self.lock:
            if not self.active:
                return
            self.fired = True
            _raise_in(self.thread, OutOfTime)


def _raise_in(thread: int, exception: type[BaseException] | None) -> None:
    """Raise ``exception`` in ``thread`` at its next bytecode (None: cancel a pending one)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread),
        ctypes.py_object(exception) if exception is not None else ctypes.c_void_p(0),
    )


class _Watchdog:
    """One thread that fires deadlines when they pass (a heap of them, in time order)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, deadline: _Deadline) -> None:
        with self._cond:
            due = time.monotonic() + deadline.remaining()
            heapq.heappush(self._heap, (due, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="symflow-budget", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (not self._heap[0][2].active or self._heap[0][0] <= now):
                    _, _, deadline = heapq.heappop(self._heap)
                    if not deadline.active:
                        continue
                    left = deadline.remaining()
                    if left > 0:  # its thread has not used its CPU time yet: look again
                        heapq.heappush(self._heap, (now + left, next(self._order), deadline))
                        continue
                    deadline.fire()
                    if deadline.active:  # not stopped yet (caught, or in C code): again
                        entry = (now + _AGAIN, next(self._order), deadline)
                        heapq.heappush(self._heap, entry)
                self._cond.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()
#: the factor applied to every time limit
SCALE = 1.0
#: a limit of t seconds of CPU time also ends after WALL_FACTOR·t seconds of wall-clock time
WALL_FACTOR = 10.0
#: seconds between repeated raises while an expired block has not stopped
_AGAIN = 0.25
_STACK = threading.local()


def _reset_after_fork() -> None:
    """The parent's watchdog thread does not exist in a child: start a new one there."""
    global _WATCHDOG
    _WATCHDOG = _Watchdog()


#: symflow's filters of unraisable exceptions: each takes the report and returns True
#: when it has dealt with it
_FILTERS: list[Callable[[object], bool]] = []
_FILTERING = threading.local()


class _UnraisableFilters:
    """A ``sys.unraisablehook`` that offers each report to symflow's filters
    (:func:`add_unraisable_filter`) and passes the rest to the hook it wraps.

    There is one such hook however often symflow installs it, so the filters never call
    each other in a loop; a report raised while a filter runs goes to Python's own hook.
    """

    def __init__(self, wrapped: Callable[[object], object]) -> None:
        self.wrapped = wrapped

    def __call__(self, unraisable: object) -> None:
        if getattr(_FILTERING, "active", False):
            sys.__unraisablehook__(unraisable)
            return
        _FILTERING.active = True
        try:
            if any(keep(unraisable) for keep in list(_FILTERS)):
                return
        finally:
            _FILTERING.active = False
        self.wrapped(unraisable)


def add_unraisable_filter(keep: Callable[[object], bool]) -> None:
    """Offer unraisable exceptions to ``keep`` first (it returns True for those it dealt
    with), and install the one filtering hook again when somebody, a test runner for one,
    has installed a hook of their own since.

    Examples
    --------
    >>> add_unraisable_filter(_lost_deadline)
    >>> isinstance(sys.unraisablehook, _UnraisableFilters)
    True
    """
    if keep not in _FILTERS:
        _FILTERS.append(keep)
    if not isinstance(sys.unraisablehook, _UnraisableFilters):
        sys.unraisablehook = _UnraisableFilters(sys.unraisablehook)


def _lost_deadline(unraisable: object) -> bool:
    """An :class:`OutOfTime` that arrived where Python cannot raise it (a garbage-collector
    callback, a finaliser) is dropped. Nothing is lost: the deadline stays fired and the
    watchdog raises it again :data:`_AGAIN` seconds later, in ordinary code."""
    return isinstance(getattr(unraisable, "exc_value", None), OutOfTime)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _deadlines() -> list[_Deadline]:
    stack = getattr(_STACK, "deadlines", None)
    if stack is None:
        stack = _STACK.deadlines = []
    return stack


def expired() -> bool:
    """Whether a deadline of the current thread has passed (for loops of symbolic steps
    that check between steps).

    Examples
    --------
    >>> expired()
    False
    """
    return any(d.remaining() <= 0 for d in _deadlines())


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`OutOfTime` inside the block once the thread has spent ``seconds`` of
    CPU time in it (or once an enclosing limit's deadline has passed)."""
    stack = _deadlines()
    clock = stack[-1].clock if stack else _thread_clock()
    seconds *= SCALE
    when, wall = clock() + seconds, time.monotonic() + WALL_FACTOR * seconds
    if stack:
        if stack[-1].remaining() <= 0:
            raise OutOfTime("an enclosing time limit has passed")
        when, wall = min(when, stack[-1].when), min(wall, stack[-1].wall)
    deadline = _Deadline(when, wall, clock, threading.get_ident())
    add_unraisable_filter(_lost_deadline)
    stack.append(deadline)
    _WATCHDOG.schedule(deadline)
    try:
        yield
    finally:
        with deadline.lock:
            deadline.active = False
            if deadline.fired:  # raised already, or about to be: cancel what is pending
                _raise_in(deadline.thread, None)
        stack.remove(deadline)


def _inside_sympy(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by SymPy's (or mpmath's) own code: SymPy reports what it
    cannot do with ValueError, TypeError and AttributeError too."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "") if tb is not None else ""
    return module.split(".")[0] in ("sympy", "mpmath")


def attempt(call: Callable[[], T], seconds: float, default: T) -> T:
    """``call()`` within ``seconds``, or ``default`` when SymPy gives up on it or it runs
    out of time.

    Giving up is: running out of time, NotImplementedError, ZeroDivisionError,
    RecursionError, and ValueError/TypeError/AttributeError/OverflowError raised inside
    SymPy or mpmath (an evalf of sinh(e^(4e38)): "too many digits in integer"). The
    same errors raised elsewhere (symflow's own code) are errors, and surface.

    Examples
    --------
    >>> attempt(lambda: 1 / 0, 1.0, "failed")
    'failed'
    >>> import sympy as sp
    >>> attempt(lambda: sp.Symbol("t") < 1 or 0, 1.0, "undecided")
    'undecided'
    """
    try:
        with time_limit(seconds):
            return call()
    except OutOfTime:
        if expired():  # an enclosing limit's time is up too: its attempt decides
            raise
        return default
    except (NotImplementedError, ZeroDivisionError, RecursionError):
        return default
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        from symflow.errors import SymflowError

        if isinstance(exc, SymflowError) or not _inside_sympy(exc):
            raise
        return default
