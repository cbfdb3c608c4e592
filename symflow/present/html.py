"""HTML of symflow's Markdown-with-mathematics, for notebooks and the documentation site.

Derivations are written as Markdown paragraphs with ``$inline$`` and ``$$display$$``
mathematics. :func:`math_markdown_html` turns that small dialect into HTML whose
mathematics MathJax renders: display blocks as ``<div class="math">\\[ … \\]</div>`` and
inline pieces as ``<span class="math">\\( … \\)</span>`` (the classes Sphinx's MathJax
set-up and Jupyter both process), ``**bold**`` as ``<strong>``, everything else escaped.

Examples
--------
>>> print(math_markdown_html("**1. Setting.** Let $Z$ be normal:\\n\\n$$\\nx < 1\\n$$"))
<p><strong>1. Setting.</strong> Let <span class="math notranslate nohighlight">\\(Z\\)</span> be normal:</p>
<div class="math notranslate nohighlight">\\[x &lt; 1\\]</div>
"""  # noqa: E501

from __future__ import annotations

import html
import re

__all__ = ["math_markdown_html"]

_DISPLAY = re.compile(r"^\$\$\s*(.*?)\s*\$\$$", re.S)
_INLINE = re.compile(r"\$(.+?)\$", re.S)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def _inline(text: str) -> str:
    parts = []
    last = 0
    for m in _INLINE.finditer(text):
        parts.append(_BOLD.sub(r"<strong>\1</strong>", html.escape(text[last : m.start()])))
        parts.append(
            f'<span class="math notranslate nohighlight">\\({html.escape(m.group(1))}\\)</span>'
        )
        last = m.end()
    parts.append(_BOLD.sub(r"<strong>\1</strong>", html.escape(text[last:])))
    return "".join(parts)


def math_markdown_html(text: str) -> str:
    """The HTML of Markdown paragraphs with ``$…$`` and ``$$…$$`` mathematics (see above)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    out = []
    for block in blocks:
        display = _DISPLAY.match(block)
        if display:
            math = html.escape(display.group(1))
            out.append(f'<div class="math notranslate nohighlight">\\[{math}\\]</div>')
        else:
            out.append(f"<p>{_inline(block)}</p>")
    return "\n".join(out)
