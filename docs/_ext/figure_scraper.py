"""A sphinx-gallery image scraper for symflow's pictures.

symflow's plotting functions build :class:`matplotlib.figure.Figure` objects directly (not
through pyplot, so that they are safe in threads and servers). sphinx-gallery's own
scraper only sees pyplot figures; this one also collects, after each code block, every
figure the example's variables hold, directly or as a ``.figure`` attribute (the results of
:mod:`symflow.present.plot`), and writes each new one once.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from sphinx_gallery.scrapers import figure_rst, matplotlib_scraper


def _figures(namespace: dict) -> list[Figure]:
    found = []
    for value in list(namespace.values()):
        figure = value if isinstance(value, Figure) else getattr(value, "figure", None)
        if isinstance(figure, Figure) and all(figure is not f for f in found):
            found.append(figure)
    return found


def symflow_scraper(block, block_vars, gallery_conf, **kwargs) -> str:
    """Write the new figures of this block and return the reST that shows them."""
    seen = block_vars.setdefault("symflow_seen_figures", set())
    paths = []
    for figure in _figures(block_vars["example_globals"]):
        if id(figure) in seen:
            continue
        seen.add(id(figure))
        path = next(block_vars["image_path_iterator"])
        figure.savefig(path, dpi=80)
        paths.append(path)
    text = figure_rst(paths, gallery_conf["src_dir"]) if paths else ""
    return text + matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
