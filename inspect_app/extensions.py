"""Flask extension instances, initialised in :func:`inspect_app.create_app`."""

from __future__ import annotations

import typing as t

from flask import abort
from flask import has_request_context
from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.pagination import Pagination
from flask_wtf.csrf import CSRFProtect

from .db import Base

# The last page a list may be asked for: its offset (page × page size) stays far inside a 64-bit integer.
MAX_PAGE = 2**31 - 1


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, whose pages answer 404 to a ``?page=`` too large for the database's offset."""

    def paginate(self, select: t.Any, *, page: int | None = None, **kwargs: t.Any) -> Pagination:
        if page is None and has_request_context():
            page = request.args.get("page", 1, type=int)
            if page > MAX_PAGE:
                abort(404)
        return super().paginate(select, page=page, **kwargs)


db = Database(model_class=Base)

# The base class of every model; type checkers see the declarative base it is built on.
if t.TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
