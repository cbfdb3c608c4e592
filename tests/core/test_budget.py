"""The time budget of symbolic work holds in any thread and leaves the caller's timers
alone; programming errors are not mistaken for SymPy giving up."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import sympy as sp

import symflow as sf
from symflow.core import budget
from symflow.errors import SymflowError


def _forever():
    while True:
        sum(range(100))


def _in_thread(call):
    """``call()`` in a worker thread: (its result or exception, seconds taken)."""
    box: list = []

    def run():
        start = time.monotonic()
        try:
            box.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box.append(exc)
        box.append(time.monotonic() - start)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the time limit did not stop the work"
    return box


def test_a_time_limit_holds_in_a_worker_thread():
    result, seconds = _in_thread(lambda: budget.attempt(_forever, 0.2, "gave up"))
    assert result == "gave up"
    assert seconds < 3


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX interval timers")
def test_a_time_limit_leaves_the_callers_interval_timer_alone():
    rang = []
    previous = signal.signal(signal.SIGALRM, lambda *_: rang.append(True))
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        start = time.monotonic()
        assert budget.attempt(_forever, 0.2, "gave up") == "gave up"
        assert time.monotonic() - start < 3
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 20 < remaining <= 30  # the caller's timer still runs, untouched
        assert signal.getsignal(signal.SIGALRM) is not previous and not rang
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def test_time_the_work_spends_waiting_does_not_count():
    """The limit is on the thread's CPU time: a machine loaded by other processes (the
    thread waits for a processor) gives the same symbolic work as an idle one. Sleeping
    stands in for waiting here: 0.5 s of wall-clock time, almost no CPU time."""

    def mostly_waiting():
        for _ in range(10):
            time.sleep(0.05)
        return "done"

    assert budget.attempt(mostly_waiting, 0.2, "gave up") == "done"


def test_a_thread_that_only_waits_is_stopped_by_the_wall_clock_limit():
    def waiting_forever():
        while True:
            time.sleep(0.01)

    start = time.monotonic()
    assert budget.attempt(waiting_forever, 0.05, "gave up") == "gave up"
    assert budget.WALL_FACTOR * 0.05 * 0.9 < time.monotonic() - start < 5


def test_an_inner_attempt_does_not_swallow_the_outer_deadline():
    inner_results = []

    def outer():
        while True:
            inner_results.append(budget.attempt(_forever, 10.0, "inner gave up"))

    start = time.monotonic()
    assert budget.attempt(outer, 0.3, "outer gave up") == "outer gave up"
    assert time.monotonic() - start < 3
    assert inner_results == []


def test_a_result_that_arrives_in_time_is_kept():
    assert budget.attempt(lambda: sp.factor(sp.Symbol("t") ** 2 - 1), 5.0, None) is not None


@pytest.mark.parametrize(
    "mistake",
    [lambda: None.name, lambda: int("not a number"), lambda: len(3)],
    ids=["AttributeError", "ValueError", "TypeError"],
)
def test_programming_errors_surface_instead_of_giving_up(mistake):
    with pytest.raises((AttributeError, ValueError, TypeError)):
        budget.attempt(mistake, 1.0, "gave up")


def test_sympy_giving_up_is_still_giving_up():
    t = sp.Symbol("t")
    assert budget.attempt(lambda: bool(t < 1), 1.0, "undecided") == "undecided"


def test_a_flow_needing_much_symbolic_work_finishes_in_a_worker_thread(monkeypatch):
    """z + sin(z)/2 + cos(3z)/10 keeps SymPy busy for every step's full budget; with the
    budgets scaled down it must finish in a thread in proportion (before, the budget did
    not hold outside the main thread and it ran for minutes)."""
    z = sp.Symbol("z", real=True)
    monkeypatch.setattr(budget, "SCALE", 0.02)
    result, seconds = _in_thread(
        lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform(z + sp.sin(z) / 2 + sp.cos(3 * z) / 10, z)])
    )
    assert isinstance(result, sf.Flow | SymflowError), repr(result)
    assert seconds < 20


def test_a_deadline_that_lands_in_a_gc_callback_is_raised_again_in_the_work():
    """A deadline delivered inside a garbage-collector callback cannot be raised there
    (Python reports it as unraisable): it is dropped silently and raised again in the
    work itself, while other unraisable exceptions still reach the hook."""
    import gc
    import sys

    def busy(seconds: float) -> None:
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            pass

    def slow_callback(phase: str, info: dict) -> None:
        if phase == "start":
            busy(0.02)

    reported: list = []
    previous = sys.unraisablehook
    sys.unraisablehook = reported.append
    gc.callbacks.append(slow_callback)
    started = time.monotonic()
    try:
        with pytest.raises(budget.OutOfTime):
            with budget.time_limit(0.05):
                while True:
                    gc.collect(0)
                    busy(0.02)
        sys.unraisablehook(type("Unraisable", (), {"exc_value": ValueError("kept")})())
    finally:
        gc.callbacks.remove(slow_callback)
        sys.unraisablehook = previous
    assert time.monotonic() - started < 10
    assert [str(u.exc_value) for u in reported] == ["kept"]


def test_filters_installed_around_another_hook_never_call_each_other_in_a_loop():
    """symflow filters unraisable exceptions in two places (lost deadlines here, native
    loop errors in codegen) through one hook. Installed, wrapped by somebody else's hook,
    and installed again, an unclaimed report reaches each hook once and the original one
    at the end (two hooks that wrapped each other used to end in RecursionError)."""
    import sys

    reported: list = []
    outer_calls: list = []
    previous = sys.unraisablehook
    try:
        sys.unraisablehook = reported.append
        with budget.time_limit(5.0):  # installs the filter of lost deadlines
            pass
        budget.add_unraisable_filter(lambda report: False)
        inner = sys.unraisablehook

        def outer(report):
            outer_calls.append(report)
            inner(report)

        sys.unraisablehook = outer
        budget.add_unraisable_filter(lambda report: False)
        report = type(
            "Unraisable",
            (),
            {
                "exc_value": ValueError("unclaimed"),
                "exc_type": ValueError,
                "exc_traceback": None,
                "err_msg": None,
                "object": None,
            },
        )()
        sys.unraisablehook(report)
        deadline = type("Unraisable", (), {"exc_value": budget.OutOfTime("lost")})()
        sys.unraisablehook(deadline)
    finally:
        sys.unraisablehook = previous
        del budget._FILTERS[-2:]
    assert outer_calls == [report]  # once; the lost deadline was dropped before it
    assert reported == [report]
