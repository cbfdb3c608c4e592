"""Code generation: the Program printed as Python source and compiled with numba."""
