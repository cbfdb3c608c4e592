"""Every script in examples/ runs and writes what it promises (outputs go to tmp_path)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


# script -> files it writes into --out
OUTPUTS = {
    "linear.py": ["linear.tex", "linear.png"],
    "lognormal.py": ["lognormal.tex", "lognormal.png", "lognormal-sigma.png"],
    "expansion_compression.py": [
        "expansion.tex",
        "expansion.png",
        "compression.tex",
        "compression.png",
    ],
    "layers.py": ["layers.tex", "layers-stages.png"],
    "linear_2d.py": [
        "linear_2d.tex",
        "linear_2d-deformation.png",
        "linear_2d-contours.png",
    ],
    "train_banana.py": ["train_banana.png"],
}


# script -> a line of its output (the named family)
PRINTS = {
    "linear.py": "Named family: Normal(mu=3, sigma=2)",
    "lognormal.py": "With parameters: LogNormal(mu=mu, sigma=sigma)",
    "expansion_compression.py": "family Normal(mu=0, sigma=1/2)",
    "layers.py": "Named family: LogNormal(mu=log(2) + 1, sigma=1/2, loc=1)",
    "linear_2d.py": "Named family: MultivariateNormal(mean=[0, 0], cov=[[5, 3], [3, 9]])",
    "train_banana.py": "Triangular flow with 16 parameters",
}


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(OUTPUTS)


@pytest.mark.parametrize("script", list(OUTPUTS), ids=list(OUTPUTS))
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setattr(
        sys, "argv", [str(EXAMPLES / script), "--out", str(tmp_path), "--n", "5000"]
    )
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    printed = capsys.readouterr().out
    assert "wrote" in printed and PRINTS[script] in printed
    for name in OUTPUTS[script]:
        path = tmp_path / name
        assert path.stat().st_size > 500, name
        if name.endswith(".png"):
            assert mpimg.imread(path).ndim == 3
        else:
            assert path.read_text().startswith(r"\documentclass")
