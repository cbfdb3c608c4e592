"""Every public name and every public method has a docstring with a runnable example.

The API reference of the documentation site is generated from these docstrings (one page
per name and per method), and ``pytest --doctest-modules`` runs their examples; this test
makes sure nothing public is left without one.
"""

from __future__ import annotations

import inspect
import types

import pytest

import symflow


def _public_names() -> list[str]:
    return list(symflow.__all__)


def _own_members(cls: type) -> list[tuple[str, object]]:
    """Public methods and properties that ``cls`` itself defines (inherited ones are
    documented, and listed in the reference, on the class that defines them)."""
    return sorted((n, v) for n, v in vars(cls).items() if not n.startswith("_"))


def public_methods() -> list[tuple[str, object]]:
    found = []
    for name in _public_names():
        value = getattr(symflow, name)
        if inspect.isclass(value) and not issubclass(value, BaseException):
            for member, attr in _own_members(value):
                if isinstance(attr, staticmethod | classmethod):
                    attr = attr.__func__
                if inspect.isfunction(attr) or isinstance(attr, property):
                    found.append((f"{name}.{member}", attr))
        elif isinstance(value, types.ModuleType):
            for member in getattr(value, "__all__", []):
                found.append((f"{name}.{member}", getattr(value, member)))
    return found


def _doc(obj: object) -> str:
    if isinstance(obj, property):
        return inspect.getdoc(obj.fget) or ""
    return inspect.getdoc(obj) or ""


@pytest.mark.parametrize("name", _public_names())
def test_public_name_has_docstring_with_example(name):
    doc = _doc(getattr(symflow, name))
    assert doc, f"symflow.{name} has no docstring"
    assert ">>>" in doc, f"symflow.{name}'s docstring has no example (an Examples section)"


@pytest.mark.parametrize(("name", "member"), public_methods(), ids=[n for n, _ in public_methods()])
def test_public_method_has_docstring_with_example(name, member):
    doc = _doc(member)
    assert doc, f"symflow.{name} has no docstring"
    if not isinstance(member, property):
        assert ">>>" in doc, f"symflow.{name}'s docstring has no example (an Examples section)"


def test_the_lists_are_not_empty():
    # the parametrisations above must see the API, or these tests would pass vacuously
    assert len(_public_names()) > 20
    assert len(public_methods()) > 40
