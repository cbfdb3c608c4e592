"""Handouts: a standalone PDF with the derivation, the named family and the figures.

:func:`handout_source` writes the LaTeX document (packages amsmath, amssymb, graphicx
and geometry from texlive-latex-base/-recommended); :func:`handout` draws the figures,
compiles the document with pdflatex in a temporary folder and copies the PDF to the
requested path. Without a TeX engine the error names the missing program and how to
install it; a missing package is named from pdflatex's log.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> tex = handout_source(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]))
>>> tex.startswith("\\\\documentclass") and "\\\\end{document}" in tex
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from symflow.core.program import Program, VectorProgram
from symflow.errors import ParameterError
from symflow.present import LatexError, OutputPathError, ToolMissingError
from symflow.present.document import COMPACT_DISPLAYS, dist_latex, escape_latex

__all__ = ["handout", "handout_source", "compile_latex", "find_tex_engine"]

_PACKAGES = ("amsmath", "amssymb", "graphicx")

_INSTALL = (
    "Install a TeX engine: on Debian/Ubuntu 'apt-get install texlive-latex-base "
    "texlive-latex-recommended', elsewhere TeX Live or MiKTeX. Or write the source with "
    "symflow.present.handout.handout_source(flow) and compile it yourself."
)


def find_tex_engine(engine: str = "pdflatex") -> str:
    """The full path of the TeX engine, or a ToolMissingError naming it.

    Examples
    --------
    >>> find_tex_engine("no-such-tex-engine")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symflow.errors.ToolMissingError: The TeX engine 'no-such-tex-engine' was not found ...
    """
    found = shutil.which(engine)
    if found is None:
        raise ToolMissingError(
            f"The TeX engine '{engine}' was not found on PATH; a PDF handout needs it. " + _INSTALL
        )
    return found


def _preamble() -> str:
    return (
        "\\documentclass[10pt]{article}\n"
        "\\usepackage[margin=1.6cm]{geometry}\n"
        + "".join(f"\\usepackage{{{p}}}\n" for p in _PACKAGES)
        + "\\allowdisplaybreaks\n"
        + COMPACT_DISPLAYS
        + "\\setlength{\\parindent}{0pt}\n"
        + "\\setlength{\\parskip}{4pt}\n"
    )


def _transforms_latex(flow: Any) -> str:
    parts = []
    for i, tr in enumerate(flow.transforms, start=1):
        parts.append(tr.latex("f" if len(flow.transforms) == 1 else f"f_{{{i}}}"))
    if not parts:
        return "none"
    if isinstance(flow.program, VectorProgram):  # column vectors: displayed, one per line
        return "\n\\begin{gather*}\n" + " \\\\\n".join(parts) + ".\n\\end{gather*}\n"
    return ", ".join(f"${p}$" for p in parts)


def handout_source(
    flow: Any,
    figures: Mapping[str, str] | None = None,
    title: str | None = None,
    note: str | None = None,
) -> str:
    """The handout as a standalone LaTeX document.

    Parameters
    ----------
    flow : Flow
    figures : mapping, optional
        Caption -> image file name (relative to the document's folder), included in order;
        a name containing "stages" or "deformation" is set at full width.
    title : str, optional
        The heading (plain text; special characters are escaped).
    note : str, optional
        A plain-text paragraph printed before the figures.
    """
    derivation = flow.derivation()
    family = derivation.family
    heading = escape_latex(_title(title or "Change of variables"))
    parts = [_preamble(), "\\begin{document}\n", f"\\section*{{{heading}}}\n"]
    parts.append(
        f"Base distribution: $Z \\sim {dist_latex(flow.base)}$. "
        f"Transform{'s' if len(flow.transforms) != 1 else ''} in the order applied: "
        f"{_transforms_latex(flow)}{'' if isinstance(flow.program, VectorProgram) else '.'}\n\n"
    )
    if family is not None:
        parts.append(f"\\textbf{{Result.}} $X \\sim {family.latex()}$.\n\n")
    else:
        parts.append(
            "\\textbf{Result.} The density below is not one of the named families symflow "
            "recognises.\n\n"
        )
    parts.append("\\subsection*{Derivation}\n")
    parts.append("{\\small\n" + derivation.latex() + "\n}\n")
    if note:
        parts.append(f"\n{escape_latex(note)}\n")
    if figures:
        parts.append("\\subsection*{Figures}\n\\vspace{-2ex}\n")
        for caption, filename in figures.items():
            wide = "stages" in filename or "deformation" in filename
            width = "\\linewidth" if wide else "0.55\\linewidth"
            parts.append(
                "\\begin{center}\n"
                f"\\includegraphics[width={width}]{{{filename}}}\\\\\n"
                f"{{\\small {escape_latex(caption)}}}\n"
                "\\end{center}\n"
            )
    parts.append("\\end{document}\n")
    return _typesettable("".join(parts))


def _title(text: str) -> str:
    """A heading on one line: line breaks and blank lines become spaces; a control
    character cannot be typeset and is refused."""
    import unicodedata

    line = " ".join(text.split())
    for c in line:
        if unicodedata.category(c) in ("Cc", "Cf"):
            raise ParameterError(
                f"The handout's title contains the control character U+{ord(c):04X}, which "
                f"cannot be typeset; remove it."
            )
    return line


def _typesettable(source: str) -> str:
    """The document with Greek letters (from parameter names such as σ) written as
    LaTeX commands; any other character beyond ASCII is refused before pdflatex runs."""
    import unicodedata

    out = []
    for c in source:
        if c.isascii():
            out.append(c)
            continue
        command = _greek(unicodedata.name(c, ""))
        if command is None:
            raise ParameterError(
                f"The handout cannot typeset the character {c!r} (U+{ord(c):04X}, in a "
                f"parameter or variable name); use ASCII or Greek names."
            )
        out.append(f"\\ensuremath{{{command}}}")
    return "".join(out)


def _greek(name: str) -> str | None:
    """The LaTeX command of a Greek letter from its Unicode name, e.g. GREEK SMALL LETTER
    SIGMA -> \\sigma; None for other characters.

    Examples
    --------
    >>> _greek("GREEK SMALL LETTER SIGMA"), _greek("GREEK CAPITAL LETTER ALPHA")
    ('\\\\sigma', 'A')
    """
    words = name.split()
    if len(words) != 4 or words[:1] != ["GREEK"] or words[2] != "LETTER":
        return None
    letter = words[3].lower().replace("lamda", "lambda")
    small = words[1] == "SMALL"
    latin = {
        "alpha": "A",
        "beta": "B",
        "epsilon": "E",
        "zeta": "Z",
        "eta": "H",
        "iota": "I",
        "kappa": "K",
        "mu": "M",
        "nu": "N",
        "omicron": "O",
        "rho": "P",
        "tau": "T",
        "chi": "X",
    }
    if letter == "omicron" and small:
        return "o"
    if not small and letter in latin:
        return latin[letter]
    known = {
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
    }
    if letter not in known:
        return None
    return "\\" + (letter if small else letter.capitalize())


def _log_problem(log: str) -> str:
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            return " ".join(s.strip() for s in lines[i : i + 3] if s.strip())
    for line in lines:
        if "Undefined control sequence" in line:
            return line.strip()
    return "no error message found in the log"


def compile_latex(
    source: str,
    output: Any,
    files: Mapping[str, Any] | None = None,
    engine: str = "pdflatex",
    timeout: float = 120.0,
) -> Path:
    """Compile a LaTeX document to ``output`` (a .pdf path) in a temporary folder.

    ``files`` maps names to copy beside the source (name -> path or bytes), e.g. figures.
    Raises ToolMissingError when the engine or a package is missing, LatexError when the
    document does not compile (the message quotes pdflatex's first error).
    """
    target = Path(output)
    check_pdf_path(target)
    exe = find_tex_engine(engine)
    with tempfile.TemporaryDirectory(prefix="symflow-tex-") as tmp:
        folder = Path(tmp)
        for name, content in (files or {}).items():
            dest = folder / name
            if isinstance(content, bytes | bytearray):
                dest.write_bytes(content)
            else:
                shutil.copyfile(content, dest)
        (folder / "handout.tex").write_text(source, encoding="utf-8")
        env = {**os.environ, "TEXMFOUTPUT": str(folder)}
        try:
            run = subprocess.run(
                [
                    exe,
                    "-interaction=nonstopmode",
                    "-halt-on-error",
                    "-no-shell-escape",
                    "handout.tex",
                ],
                cwd=folder,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise LatexError(f"{engine} did not finish within {timeout:g} s.") from None
        log_file = folder / "handout.log"
        log = log_file.read_text(errors="replace") if log_file.exists() else run.stdout
        missing = re.search(r"File `([^']+)' not found", log)
        if missing:
            package = missing.group(1)
            stem = package.rsplit(".", 1)[0]
            raise ToolMissingError(
                f"{engine} cannot find the LaTeX package file '{package}' that the handout "
                f"uses. Install it: on Debian/Ubuntu 'apt-get install "
                f"texlive-latex-recommended', with TeX Live 'tlmgr install {stem}'."
            )
        pdf = folder / "handout.pdf"
        if run.returncode != 0 or not pdf.exists() or "Undefined control sequence" in log:
            raise LatexError(
                f"{engine} could not compile the document: {_log_problem(log)}. This is a bug "
                f"in symflow's LaTeX output; please report it with the flow."
            )
        shutil.copyfile(pdf, target)
    return target


def check_pdf_path(target: Path) -> None:
    """Refuse a handout path that is a folder, lies in no existing folder or does not end
    in .pdf, with an OutputPathError that says what to give instead."""
    if target.is_dir():
        raise OutputPathError(
            f"Cannot write the handout to '{target}': it is a folder. Give a file name, "
            f"e.g. {target / 'handout.pdf'}."
        )
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(
            f"Cannot write '{target}': the folder '{parent}' does not exist. Create it first "
            f"(mkdir -p '{parent}') or choose another path."
        )
    if target.suffix.lower() != ".pdf":
        raise OutputPathError(
            f"A handout is a PDF: give a path ending in .pdf, not '{target.name}'."
        )


def handout(
    flow: Any,
    path: Any,
    *,
    title: str | None = None,
    n: int = 100_000,
    seed: int = 0,
    dpi: float = 150,
    engine: str = "pdflatex",
    timeout: float = 120.0,
    **params: float,
) -> Path:
    """Write a PDF handout: derivation, named family and figures, compiled with pdflatex.

    Figures: the base and derived densities with a Monte Carlo histogram (1-D), the
    stages of a chain (more than one layer), or density contours and the deformation of
    the plane (2-D). A flow with free parameters gets figures only when their values are
    given as keyword arguments.

    Parameters
    ----------
    flow : Flow
    path : str or Path
        The output file, ending in .pdf, in an existing folder.
    title : str, optional
        The heading.
    n, seed, dpi
        Monte Carlo draws and resolution of the figures.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    check_pdf_path(target)
    if title is not None:
        _title(title)  # refused before any figure is drawn
    find_tex_engine(engine)
    from symflow.present import plot

    free = sorted(s.name for s in flow.parameters)
    missing = [name for name in free if name not in params]
    figures: dict[str, str] = {}
    files: dict[str, bytes] = {}
    note = None
    if missing:
        note = (
            f"Figures need values for the parameters {', '.join(missing)}; pass them as "
            f"keyword arguments to draw them."
        )
    else:
        pictures = []
        if isinstance(flow.program, Program):
            pictures.append(
                (
                    "Base and derived densities with a histogram of the forward map.",
                    "densities.png",
                    lambda: plot.densities(
                        flow, n=n, seed=seed, figsize=(7, 3.2), dpi=dpi, **params
                    ),
                )
            )
            if len(flow.layers) > 1:
                pictures.append(
                    (
                        "The density after each layer.",
                        "stages.png",
                        lambda: plot.stages(
                            flow,
                            n=min(n, 50_000),
                            seed=seed,
                            figsize=(2.6 * (len(flow.layers) + 1), 2.5),
                            dpi=dpi,
                            **params,
                        ),
                    )
                )
        elif flow.dimension == 2:
            pictures.append(
                (
                    "Density contours with samples of the forward map.",
                    "contours.png",
                    lambda: plot.contours(
                        flow, n=min(n, 20_000), seed=seed, figsize=(5.5, 4.4), dpi=dpi, **params
                    ),
                )
            )
            pictures.append(
                (
                    "The z-plane and its image, coloured by the area scale |det J|.",
                    "deformation.png",
                    lambda: plot.deformation(flow, figsize=(8, 3.6), dpi=dpi, **params),
                )
            )
        import io

        for caption, name, draw in pictures:
            pic = draw()
            buffer = io.BytesIO()
            pic.figure.savefig(buffer, format="png", dpi=dpi)
            files[name] = buffer.getvalue()
            figures[caption] = name
    source = handout_source(flow, figures, title=title, note=note)
    return compile_latex(source, target, files, engine=engine, timeout=timeout)
