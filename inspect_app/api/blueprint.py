"""The /api/v1 blueprint; its views live in views.py (the sync API) and read.py (the read API)."""

from __future__ import annotations

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
