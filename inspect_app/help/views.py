"""The 帮助 pages: the guide for the signed-in user's role, the index, and the guide's screenshots."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import render_template
from flask import send_file
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from . import guides

bp = Blueprint("help", __name__, url_prefix="/help", template_folder="templates")


@bp.app_context_processor
def _help_menu() -> dict[str, t.Any]:
    """``help_menu()`` for the top bar: (href, label) of the guides for the user's role, its own first."""

    def help_menu() -> list[tuple[str, str]]:
        if not current_user.is_authenticated:
            return []
        return [(url_for("help.guide", name=guide.name), str(guide.title))
                for guide in guides.guides_for(current_user.role)]

    return {"help_menu": help_menu}


@bp.route("/")
@login_required
def index() -> t.Any:
    return _page(guides.INDEX)


@bp.route("/<name>")
@login_required
def guide(name: str) -> t.Any:
    return _page(name)


def _page(name: str) -> t.Any:
    rendered = guides.render(name)
    if rendered is None:
        abort(404)
    title, html = rendered
    return render_template("help/guide.html", title=title, html=html, name=name, all_guides=guides.GUIDES,
                           own=guides.guide_for(current_user.role).name)


@bp.route("/images/<name>")
@login_required
def image(name: str) -> t.Any:
    path = guides.image(name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=3600)
    # Screenshots change only with a new release; the pages around them are not kept (no-store).
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
