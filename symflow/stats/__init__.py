"""Statistics on a flow: maximum-likelihood fitting and training, the SciPy interface
(``rv_continuous`` twins, moments, entropy) and recognition of textbook families."""
