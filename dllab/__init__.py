"""dllab: a terminal lab for learning and debugging deep learning with PyTorch.

Importing this package is cheap on purpose: torch and textual are imported only
by the modules that need them, so `dllab --help` answers at once.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
