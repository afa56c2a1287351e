from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import LoginManager
from flask_login import current_user
from flask_login import login_required
from flask_login import user_loaded_from_cookie
from sqlalchemy import orm
from wtforms.fields.choices import SelectChoice

from ..core.permissions import roles_required
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..schools import regions
from ..schools.models import City
from ..schools.models import County
from ..schools.models import School
from ..schools.services import counties
from . import services
from .forms import ActiveForm
from .forms import LoginForm
from .forms import PasswordForm
from .forms import UserForm
from .models import ApiToken
from .models import Role
from .models import User
from .sessions import client_address
from .sessions import end_session
from .sessions import enforce_session_rules
from .sessions import note_remembered
from .sessions import start_session

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")
bp.before_app_request(enforce_session_rules)


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = None
    manager.session_protection = "basic"
    user_loaded_from_cookie.connect(note_remembered)

    @manager.user_loader
    def load_user(key: str) -> User | None:
        user_id, _sep, token = key.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_token != token or not user.active:
            return None
        return user

    @manager.unauthorized_handler
    def unauthorized() -> t.Any:
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return {"error": _("Your session has ended. Log in again.")}, 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> t.Any:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data or "", form.password.data or "",
                                         address=client_address())
        except services.LoginLocked as locked:
            db.session.commit()
            form.password.errors = [locked.message]
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(locked.retry_after)}
        db.session.commit()
        if user is None:
            flash(_("Wrong user name or password."), "error")
        else:
            start_session(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> t.Any:
    services.logout(current_user._get_current_object(), address=client_address())
    db.session.commit()
    end_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> t.Any:
    form = PasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        weakness = services.password_weakness(form.new.data or "", username=user.username,
                                              display_name=user.display_name, school=user.school)
        if not user.check_password(form.current.data or ""):
            form.current.errors = [_("This is not your current password.")]
        elif weakness:
            form.new.errors = [weakness]
        else:
            services.change_password(user, form.new.data or "", actor=user, address=client_address())
            db.session.commit()
            # The new session token ends every other session; this one continues under it.
            start_session(user, remember=bool(session.get("remembered")))
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.home"))
    return render_template("auth/password.html", form=form, must_change=user.must_change_password)


@bp.get("/account")
@login_required
def account() -> t.Any:
    return render_template("auth/account.html", tokens=services.user_tokens(current_user), now=utcnow())


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> t.Any:
    row = db.get_or_404(ApiToken, token_id)
    if row.user_id != current_user.id:
        abort(404)
    services.revoke_token(row, actor=current_user, address=client_address())
    db.session.commit()
    flash(_("The token %(prefix)s… has been revoked.", prefix=row.prefix), "success")
    return redirect(url_for("auth.account"))


@bp.route("/users")
@roles_required(Role.ADMIN)
def users() -> t.Any:
    stmt = (sa.select(User).options(orm.joinedload(User.school), orm.joinedload(User.county))
            .order_by(User.role, User.username, User.id))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("auth/users.html", users=page.items, page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user() -> t.Any:
    form = UserForm()
    form.city_id.choices = [SelectChoice("0", "—")] + [SelectChoice(str(c.id), c.name) for c in regions.cities()]
    form.county_id.choices = [SelectChoice("0", "—")] + [SelectChoice(str(c.id), c.name) for c in counties()]
    if form.validate_on_submit():
        city = db.session.get(City, form.city_id.data) if form.city_id.data else None
        county = db.session.get(County, form.county_id.data) if form.county_id.data else None
        school = None
        if form.school_code.data:
            school = db.session.scalar(sa.select(School).where(School.code == form.school_code.data.strip()))
            if school is None:
                form.school_code.errors = [_("No school has this code.")]
        weakness = services.password_weakness(form.password.data or "", username=form.username.data,
                                              display_name=form.display_name.data, school=school)
        if weakness:
            form.password.errors = [weakness]
        if not (form.school_code.errors or form.password.errors):
            try:
                user = services.create_user(
                    form.username.data or "", role=Role(form.role.data), password=form.password.data or "",
                    display_name=form.display_name.data, county=county, city=city, school=school,
                    phone=form.phone.data,
                    actor=current_user,
                )
            except ValidationFailed as err:
                db.session.rollback()
                form.form_errors.extend([err.message, *err.details])
            else:
                db.session.commit()
                flash(_("Account %(name)s created.", name=user.username), "success")
                return redirect(url_for("auth.users"))
    # A refused form comes back as typed (but for the password), every error beside its field.
    return render_template("auth/user_form.html", form=form)


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: int) -> t.Any:
    user = db.get_or_404(User, user_id)
    form = ActiveForm()
    if not form.validate():
        raise ValidationFailed(_("Choose to activate or to deactivate the account."))
    services.set_active(user, form.active.data == "1", actor=current_user)
    db.session.commit()
    flash(_("Account %(name)s updated.", name=user.username), "success")
    return redirect(url_for("auth.users"))


@bp.post("/users/<int:user_id>/signout")
@roles_required(Role.ADMIN)
def sign_out_everywhere(user_id: int) -> t.Any:
    user = db.get_or_404(User, user_id)
    services.sign_out_everywhere(user, actor=current_user, address=client_address())
    db.session.commit()
    if user.id == current_user.id:
        end_session()
        return redirect(url_for("auth.login"))
    flash(_("Every session of %(name)s has ended.", name=user.username), "success")
    return redirect(url_for("auth.users"))
