"""Verification: SciPy statistics comparing derived densities with forward-map samples."""
