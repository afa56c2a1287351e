"""资助督查: inspection, rectification tracking and formal reporting for student-aid centres."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from .config import VERSION as __version__  # noqa: F401

if t.TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, t.Any] | None = None) -> Flask:
    """Build the application (``inspect_app.app.create_app``)."""
    # The factory imports every feature; importing the package, or one feature of it, must not.
    from .app import create_app as build

    return build(config)
