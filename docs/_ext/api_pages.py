"""Write ``docs/api.rst`` from ``symflow.__all__``, so the reference cannot drift from the code.

Every public name is listed under a heading chosen by what it is (a flow or a result type,
a distribution, a module of building blocks, a function, an exception). autosummary then
writes one page per name and, through the class template, one per public method.
"""

from __future__ import annotations

import inspect
import types
from pathlib import Path

import symflow

SECTIONS = [
    ("Flows, transforms and results", "classes"),
    ("Base distributions", "distributions"),
    ("Building blocks", "modules"),
    ("Functions", "functions"),
    ("Exceptions", "exceptions"),
]


def _kind(value: object) -> str:
    from symflow.core.distributions import Distribution

    if isinstance(value, types.ModuleType):
        return "modules"
    if inspect.isclass(value) and issubclass(value, BaseException):
        return "exceptions"
    if inspect.isclass(value) and issubclass(value, Distribution):
        return "distributions"
    if inspect.isclass(value):
        return "classes"
    return "functions"


def render() -> str:
    groups: dict[str, list[str]] = {kind: [] for _, kind in SECTIONS}
    for name in symflow.__all__:
        groups[_kind(getattr(symflow, name))].append(f"symflow.{name}")
    lines = [
        "API reference",
        "=============",
        "",
        "Every public name of ``symflow`` (``import symflow as sf``), and the types its",
        "methods return. Each page shows the signature, the docstring and a runnable example.",
        "",
    ]
    for title, kind in SECTIONS:
        names = groups[kind]
        if not names:
            continue
        # autosummary picks the template by kind: docs/_templates/autosummary/<kind>.rst
        lines += [title, "-" * len(title), "", ".. autosummary::", "   :toctree: generated", ""]
        lines += [f"   {name}" for name in names]
        lines.append("")
    return "\n".join(lines)


def write(path: Path) -> None:
    text = render()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
