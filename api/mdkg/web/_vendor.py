"""The browser libraries from npm, copied into ``static/vendor/`` at install by ``web/vendor.mjs``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
EDITOR_BUNDLES = ("yasgui.min.js", "yasgui.min.css")
CHART_BUNDLES = ("chart.umd.min.js",)
NETWORK_BUNDLES = ("cytoscape.min.js",)


def vendor_ready(names: Sequence[str]) -> bool:
    """The bundles were copied (``make install`` runs ``npm ci`` in ``web/`` and the copy); pages that
    need them say how to get them instead of loading files that are not there."""
    return all((VENDOR_DIR / name).is_file() for name in names)
