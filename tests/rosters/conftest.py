from __future__ import annotations

import pytest
from flask import Flask

from inspect_app.extensions import db
from inspect_app.funds import services as funds


@pytest.fixture
def shipped_standards(app: Flask) -> None:
    """The standards the migration ships (a PostgreSQL test database is emptied between tests)."""
    with app.app_context():
        funds.install_shipped_standards(actor=None)
        db.session.commit()
