from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ..core import jobs
from ..core import storage
from ..core.downloads import file_response
from ..core.permissions import ensure
from ..core.roles import Role
from ..extensions import db
from ..schools.models import School
from . import services
from . import writer
from .collect import collect
from .collect import school_terms
from .models import ArchiveJob

bp = Blueprint("archive", __name__, url_prefix="/archive", template_folder="templates")
ZIP_MIME = "application/zip"


def _school(school_id: int) -> School:
    school = db.get_or_404(School, school_id)
    ensure(services.can_view_archive(current_user, school))
    return school


@bp.route("/mine")
@login_required
def mine() -> t.Any:
    """A school's own archive."""
    if current_user.role != Role.SCHOOL or current_user.school_id is None:
        abort(404)
    return show(current_user.school_id)


@bp.route("/schools/<int:school_id>")
@login_required
def show(school_id: int) -> t.Any:
    school = _school(school_id)
    term = services.parse_term(request.args.get("term"), school)
    terms = school_terms(school)
    if term not in terms:
        terms = sorted([*terms, term], key=lambda each: each.key, reverse=True)
    archive = collect(school, term)
    return render_template("archive/show.html", school=school, term=term, terms=terms, archive=archive,
                           at_once=services.streams_at_once(archive))


@bp.route("/schools/<int:school_id>/<term>.zip")
@login_required
def download(school_id: int, term: str) -> t.Any:
    """The archive as a .zip written while it downloads; a large one is built in the background instead."""
    school = _school(school_id)
    semester = services.parse_term(term, school)
    archive = collect(school, semester)
    if not services.streams_at_once(archive):
        flash(_("This archive is large: it is built in the background. Press “Build the archive”."), "info")
        return redirect(url_for("archive.show", school_id=school.id, term=str(semester)))
    # Written to a temporary file, then sent from it: memory holds one of its files at a time.
    return file_response(lambda out: writer.write(archive, out), mimetype=ZIP_MIME, filename=archive.filename)


@bp.route("/schools/<int:school_id>/<term>/build", methods=["POST"])
@login_required
def build(school_id: int, term: str) -> t.Any:
    school = _school(school_id)
    job = services.request_archive(school, services.parse_term(term, school), actor=current_user)
    db.session.commit()
    return redirect(url_for("archive.job", job_id=job.id))


def _job(job_id: int) -> ArchiveJob:
    job = db.get_or_404(ArchiveJob, job_id)
    ensure(job.requested_by_id == current_user.id)
    return job


@bp.route("/jobs/<int:job_id>")
@login_required
def job(job_id: int) -> t.Any:
    return render_template("archive/job.html", job=_job(job_id))


@bp.route("/jobs/<int:job_id>/status")
@login_required
def job_status(job_id: int) -> t.Any:
    job = _job(job_id)
    return jsonify(status=job.status.value, label=job.status.label, percent=job.percent, done=job.done,
                   total=job.total, error=job.error,
                   download=url_for("archive.job_download", job_id=job.id) if jobs.is_ready(job) else None)


@bp.route("/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int) -> t.Any:
    job = _job(job_id)
    if not jobs.is_ready(job):
        abort(404)
    return storage.serve("reports", job.path or "", filename=job.filename, mimetype=ZIP_MIME)
