"""The ``symflow-cli`` directive: the command-line reference, generated from the parser.

``.. symflow-cli::`` renders the ``--help`` text of ``symflow`` and of each subcommand, in
the order the parser defines them, so the reference cannot drift from the code.
"""

from __future__ import annotations

import argparse

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subparsers as an action
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


class CliReference(SphinxDirective):
    """Insert one section per command with its help text."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from symflow.cli import build_parser

        parser = build_parser()
        result: list[nodes.Node] = [nodes.literal_block(text=parser.format_help())]
        for name, sub in _subcommands(parser).items():
            section = nodes.section(ids=[f"symflow-{name}"])
            section += nodes.title(text=f"symflow {name}")
            section += nodes.literal_block(text=sub.format_help())
            result.append(section)
        return result


def setup(app):
    app.add_directive("symflow-cli", CliReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
