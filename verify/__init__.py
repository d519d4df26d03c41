"""verify: checks the mathematics of deep-learning optimization theory, claim by claim.

Pipeline: load (YAML) -> validate -> graph -> run checks (SymPy + mpmath) -> report (HTML, JSON).
"""

__version__ = "0.1.0"
