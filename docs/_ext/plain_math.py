"""Read symflow's plain-text mathematics in docstrings literally.

Docstrings state their formula on the first line in plain text, as in a terminal:
``p(z) = exp(-|z - mu| / b) / (2 b)``. In reStructuredText ``|z - mu|`` would be a
substitution reference, so before numpydoc and autodoc parse a docstring, bars outside
doctest blocks and inline literals are escaped.
"""

from __future__ import annotations

import re

_LITERAL = re.compile(r"(``.*?``)")


def _escape(line: str) -> str:
    parts = _LITERAL.split(line)
    return "".join(p if p.startswith("``") else p.replace("|", r"\|") for p in parts)


def escape_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """``autodoc-process-docstring`` handler: escape ``|`` outside doctests, in place."""
    in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            in_doctest = True
        elif not stripped:
            in_doctest = False
        if not in_doctest and "|" in line:
            lines[i] = _escape(line)


def setup(app):
    # run before numpydoc (priority 500) reformats the docstring
    app.connect("autodoc-process-docstring", escape_bars, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
