"""The anonymous questionnaire on a phone: /s/<token>, no account, one answer per phone.

The phone keeps a random cookie; the answer keeps only a keyed hash of it (one answer per phone and
round), and the network address is only counted, hashed, per hour (``SurveyAddressCount``).
"""

from __future__ import annotations

import secrets
import typing as t

from flask import Blueprint
from flask import Response
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..db import local_today
from ..extensions import db
from . import services
from .models import Audience
from .models import SurveyLink

bp = Blueprint("survey_public", __name__, url_prefix="/s", template_folder="templates")

DEVICE_COOKIE = "survey_device"
DEVICE_AGE = 400 * 24 * 3600
MAX_FIELDS = 200


def _link(token: str) -> SurveyLink | None:
    return services.link_by_token(token)


def _page(template: str, status: int = 200, **context: t.Any) -> Response:
    response = make_response(render_template(f"surveys/public/{template}", **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _message(title: str, message: str, status: int, link: SurveyLink | None = None) -> Response:
    return _page("message.html", status, title=title, message=message, link=link)


def _device() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if 20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() else None


def _with_device(response: Response, device: str) -> Response:
    response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_AGE, path="/s/", httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response


def _closed(link: SurveyLink) -> Response | None:
    survey = link.round
    today = local_today()
    if survey.is_open(today):
        return None
    if today < survey.opens_on:
        text = _("This survey opens on %(day)s.", day=survey.opens_on.isoformat())
    else:
        text = _("This survey closed on %(day)s. Thank you for your interest.", day=survey.closes_on.isoformat())
    return _message(_("The survey is closed"), text, 403 if request.method == "POST" else 200, link)


@bp.route("/<token>")
def start(token: str) -> t.Any:
    link = _link(token)
    if link is None:
        return _message(_("No such survey"), _("Check the link or scan the poster's code again."), 404)
    closed = _closed(link)
    if closed is not None:
        return closed
    audiences = link.round.audiences
    if len(audiences) == 1:
        return redirect(url_for("survey_public.answer", token=token, audience=audiences[0].value))
    return _page("choose.html", link=link, audiences=audiences)


@bp.route("/<token>/<audience>", methods=["GET", "POST"])
def answer(token: str, audience: str) -> t.Any:
    link = _link(token)
    if link is None or audience not in {a.value for a in Audience}:
        return _message(_("No such survey"), _("Check the link or scan the poster's code again."), 404)
    closed = _closed(link)
    if closed is not None:
        return closed
    who = Audience(audience)
    version = link.round.version_for(who)
    if version is None:
        return _message(_("No such survey"), _("Check the link or scan the poster's code again."), 404)
    device = _device()
    if services.already_answered(link.round, device):
        return _message(_("Already answered"), _("This phone has already answered this survey. Thank you!"),
                        409 if request.method == "POST" else 200, link)
    if request.method == "GET":
        return _with_device(_page("form.html", link=link, version=version, audience=who, answers={}, errors={}),
                            device or secrets.token_urlsafe(24))
    if device is None:
        return _message(_("Cookies are needed"), _("Please allow cookies for this site, open the questionnaire "
                                                    "again and answer once more."), 400, link)
    if len(request.form) > MAX_FIELDS:
        return _message(_("No such survey"), _("Check the link or scan the poster's code again."), 400, link)
    try:
        response, errors = services.submit_response(link, who, request.form, cookie=device,
                                                    address=request.remote_addr or "")
        if response is None:
            answers = {k: request.form.getlist(k) for k in request.form if k != "csrf_token"}
            return _page("form.html", 400, link=link, version=version, audience=who, answers=answers, errors=errors)
        db.session.commit()
    except services.Refused as refused:
        db.session.rollback()
        return _message(_("Not taken"), refused.reason, refused.status, link)
    except IntegrityError:  # the same phone twice at once: the second loses the race
        db.session.rollback()
        return _message(_("Already answered"), _("This phone has already answered this survey. Thank you!"), 409, link)
    return _message(_("Thank you!"), _("Your answers have been received."), 200, link)
