"""skylift: move a small web app to AWS and prove nothing was lost.

The public API is small; the CLI calls exactly these functions.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
