"""Photos and PDFs: decoding, checks, storage, removal, the upload endpoint and who may see a file."""

from __future__ import annotations

import functools
import hashlib
import io
import typing as t
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from PIL import ImageChops
from PIL import ImageOps
from PIL import ImageStat
from pypdf import PdfWriter

from inspect_app.audit.models import AuditEntry
from inspect_app.checklists.models import ChecklistItem
from inspect_app.core import storage
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.media import services as media
from inspect_app.media.models import Attachment
from inspect_app.media.models import AttachmentKind
from inspect_app.media.models import FileStatus
from inspect_app.rectification import evidence
from inspect_app.rectification.models import Rectification
from inspect_app.visits import attachments
from inspect_app.visits import photos
from inspect_app.visits import services as visit_services
from tests.fixtures import answer_all

if t.TYPE_CHECKING:
    from flask import Flask

    from tests.fixtures import Auth
    from tests.fixtures import World

PHOTOS = Path(__file__).parent.parent / "data" / "photos"
ORIENTATION = PHOTOS / "exif-orientation"
EDGE = PHOTOS / "pillow-edge"
GPS_IFD = 0x8825


def photo(name: str) -> bytes:
    folder = ORIENTATION if name.startswith(("Landscape", "Portrait")) else EDGE
    return (folder / name).read_bytes()


def make_pdf(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(password)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def item_named(world: World, name: str) -> ChecklistItem:
    return next(i for i in world.visit.checklist_version.items if i.name == name)


def stored_files(app: Flask) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


# --- decoding ----------------------------------------------------------------------------------------------


@functools.cache
def upright_reference(kind: str) -> Image.Image:
    """The orientation-1 file (stored upright) as a small greyscale picture to compare against."""
    size = (90, 60) if kind == "Landscape" else (60, 90)
    return Image.open(ORIENTATION / f"{kind}_1.jpg").convert("L").resize(size)


def difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean)


@pytest.mark.parametrize("number", range(1, 9))
@pytest.mark.parametrize("kind", ["Landscape", "Portrait"])
def test_exif_orientation_is_applied_and_the_picture_is_upright(ctx: None, app: Flask, kind: str,
                                                                number: int) -> None:
    stored = media.decode_image(photo(f"{kind}_{number}.jpg"), filename=f"{kind}_{number}.jpg")

    image = Image.open(io.BytesIO(stored.data))
    assert (image.width, image.height) == (stored.width, stored.height)
    if kind == "Landscape":
        assert image.width > image.height
    else:
        assert image.height > image.width
    # 1800×1200 (or 1200×1800) comes down to the configured long edge.
    assert max(image.size) == app.config["IMAGE_LONG_EDGE"] == 1600
    # Upright, not mirrored or upside down: it matches the file stored upright, and clearly not its mirror
    # images (each example shows one landscape photo, with only the big number in its middle changing).
    reference = upright_reference(kind)
    sample = image.convert("L").resize(reference.size)
    assert difference(sample, reference) < 8
    assert difference(sample, ImageOps.mirror(reference)) > 30
    assert difference(sample, ImageOps.flip(reference)) > 30
    thumb = Image.open(io.BytesIO(stored.thumb))
    assert max(thumb.size) == app.config["THUMB_LONG_EDGE"]
    assert (thumb.width > thumb.height) == (kind == "Landscape")


def test_a_small_photo_is_not_enlarged(ctx: None) -> None:
    stored = media.decode_image(photo("hopper.jpg"), filename="hopper.jpg")
    assert (stored.width, stored.height) == (128, 128)


def test_gps_position_is_not_kept_in_the_stored_photo(ctx: None) -> None:
    original = Image.open(io.BytesIO(photo("exif_gps.jpg"))).getexif()
    assert GPS_IFD in original  # the test input does carry a position

    stored = media.decode_image(photo("exif_gps.jpg"), filename="exif_gps.jpg")

    for data in (stored.data, stored.thumb):
        exif = Image.open(io.BytesIO(data)).getexif()
        assert GPS_IFD not in exif
        assert not exif.get_ifd(GPS_IFD)


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)


@pytest.mark.parametrize(("filename", "data"), [
    ("truncated_jpeg.jpg", photo("truncated_jpeg.jpg")),
    ("decompression_bomb.gif", photo("decompression_bomb.gif")),
    ("broken.png", photo("broken.png")),
    ("IMG_0001.HEIC", HEIC_HEADER),
    ("notes.txt", "这不是照片，只是一段文字。\n".encode()),
    ("empty.jpg", b""),
], ids=["truncated", "decompression-bomb", "broken-png", "heic", "text", "empty"])
def test_unreadable_or_unsupported_images_are_refused_naming_the_file(ctx: None, filename: str,
                                                                      data: bytes) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        media.decode_image(data, filename=filename)
    assert filename in excinfo.value.message


@pytest.mark.config(MAX_IMAGE_BYTES=100_000)
def test_a_photo_over_the_size_limit_is_refused(ctx: None) -> None:
    data = photo("Landscape_1.jpg")
    assert len(data) > 100_000
    with pytest.raises(ValidationFailed) as excinfo:
        media.decode_image(data, filename="Landscape_1.jpg")
    assert "Landscape_1.jpg" in excinfo.value.message


@pytest.mark.config(MAX_IMAGE_PIXELS=10_000)
def test_a_photo_with_too_many_pixels_is_refused(ctx: None) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        media.decode_image(photo("hopper.jpg"), filename="hopper.jpg")
    assert "hopper.jpg" in excinfo.value.message


# --- PDFs --------------------------------------------------------------------------------------------------


def test_a_valid_pdf_passes_the_check(ctx: None) -> None:
    media.check_pdf(make_pdf(), filename="整改报告.pdf")


@pytest.mark.parametrize(("filename", "data"), [
    ("整改报告.pdf", "不是PDF".encode()),
    ("photo.pdf", photo("hopper.jpg")),
    ("cut.pdf", make_pdf()[:200]),
    ("garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4),
    ("locked.pdf", make_pdf(password="secret")),
    ("owner-only.pdf", make_pdf(password="")),
], ids=["text", "jpeg-named-pdf", "truncated", "garbage", "encrypted", "owner-password-only"])
def test_bad_pdfs_are_refused_naming_the_file(ctx: None, filename: str, data: bytes) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        media.check_pdf(data, filename=filename)
    assert filename in excinfo.value.message


@pytest.mark.config(MAX_DOCUMENT_BYTES=100)
def test_a_pdf_over_the_size_limit_is_refused(ctx: None) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        media.check_pdf(make_pdf(), filename="big.pdf")
    assert "big.pdf" in excinfo.value.message


# --- storing, removing -------------------------------------------------------------------------------------


def test_a_visit_photo_is_stored_under_the_upload_dir_with_a_thumbnail(world: World, app: Flask) -> None:
    item = item_named(world, "S1_1")

    attachment = photos.add_visit_photo(world.visit, item, photo("Portrait_6.jpg"), filename="Portrait_6.jpg",
                                       actor=world.inspector)
    db.session.commit()

    upload_dir = Path(app.config["UPLOAD_DIR"])
    main, thumb = media.file_path(attachment), media.file_path(attachment, thumb=True)
    stamped = media.file_path(attachment, stamped=True)
    assert main.is_relative_to(upload_dir) and thumb.is_relative_to(upload_dir)
    assert attachment.report_path
    report = upload_dir / attachment.report_path
    assert stored_files(app) == sorted([main, thumb, stamped, report])
    assert attachment.kind == AttachmentKind.PHOTO
    assert (attachment.visit_id, attachment.item_id, attachment.original_name) == (
        world.visit.id, item.id, "Portrait_6.jpg")
    assert attachment.sha256 == hashlib.sha256(main.read_bytes()).hexdigest()
    with Image.open(main) as image:
        assert image.size == (attachment.width, attachment.height) == (1067, 1600)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "photo.add")).one()
    assert (entry.actor_id, entry.school_id) == (world.inspector.id, world.school.id)
    assert attachments.visit_photos(world.visit) == {(item.id, None): [attachment]}


def test_the_stored_photo_file_has_no_gps_position(world: World) -> None:
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("exif_gps.jpg"),
                                       filename="exif_gps.jpg", actor=world.inspector)
    db.session.commit()  # the photo is processed once its upload commits
    with Image.open(media.file_path(attachment)) as image:
        assert not image.getexif().get_ifd(GPS_IFD)


def test_a_refused_photo_leaves_no_file_and_no_record(world: World, app: Flask) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("broken.png"),
                              filename="broken.png", actor=world.inspector)
    assert "broken.png" in excinfo.value.message
    assert stored_files(app) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_a_photo_that_fails_to_decode_after_upload_is_marked_refused(world: World, app: Flask) -> None:
    # A truncated JPEG has a good header: the upload is accepted and the background decoding refuses it.
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("truncated_jpeg.jpg"),
                                       filename="truncated_jpeg.jpg", actor=world.inspector)
    assert attachment.status == FileStatus.PROCESSING
    db.session.commit()

    assert attachment.status == FileStatus.REFUSED
    assert attachment.refused_reason and "truncated_jpeg.jpg" in attachment.refused_reason
    assert (attachment.original_path, attachment.thumb_path, attachment.stamped_path) == (None, None, None)
    assert stored_files(app) == []  # the bytes as uploaded are not kept


def test_a_pdf_is_not_a_visit_photo(world: World) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        photos.add_visit_photo(world.visit, item_named(world, "S1_1"), make_pdf(), filename="scan.pdf",
                              actor=world.inspector)
    assert "scan.pdf" in excinfo.value.message


def test_remove_deletes_the_files_and_writes_an_audit_entry(world: World, app: Flask) -> None:
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("hopper.jpg"),
                                       filename="hopper.jpg", actor=world.inspector)
    db.session.commit()
    attachment_id = attachment.id
    assert len(stored_files(app)) == 4  # the photo, its thumbnail, stamped copy and report copy

    attachments.remove(attachment, actor=world.inspector)
    db.session.commit()

    assert stored_files(app) == []
    assert db.session.get(Attachment, attachment_id) is None
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attachment.remove")).one()
    assert (entry.object_id, entry.actor_id, entry.school_id) == (attachment_id, world.inspector.id,
                                                                  world.school.id)
    assert entry.before is not None and entry.before["file"] == "hopper.jpg"


def submit_with_failing_item(app: Flask, world: World, item_name: str = "S1_1") -> Finding:
    answer_all(app, world.visit, world.inspector, failing={item_name: "未成立资助工作领导小组"})
    (finding,) = visit_services.submit_visit(world.visit, actor=world.inspector)
    return finding


def test_photos_cannot_be_added_or_removed_after_the_visit_is_submitted(world: World, app: Flask) -> None:
    item = item_named(world, "S1_1")
    attachment = photos.add_visit_photo(world.visit, item, photo("hopper.jpg"), filename="hopper.jpg",
                                       actor=world.inspector)
    submit_with_failing_item(app, world)
    db.session.commit()

    with pytest.raises(InvalidTransition):
        photos.add_visit_photo(world.visit, item, photo("hopper.jpg"), filename="again.jpg",
                              actor=world.inspector)
    with pytest.raises(InvalidTransition):
        attachments.remove(attachment, actor=world.inspector)
    assert len(stored_files(app)) == 4  # the photo, its thumbnail, stamped copy and report copy


@pytest.fixture
def rectification(world: World, app: Flask) -> Rectification:
    finding = submit_with_failing_item(app, world)
    rect = finding_services.confirm_finding(finding, actor=world.supervisor)
    db.session.commit()
    return rect


def test_pdf_and_photo_evidence_is_stored(world: World, app: Flask, rectification: Rectification) -> None:
    pdf = make_pdf()

    document = evidence.add_evidence(rectification, pdf, filename="整改报告.pdf", actor=world.school_contact)
    picture = evidence.add_evidence(rectification, photo("Landscape_3.jpg"), filename="公示栏.jpg",
                                 actor=world.school_contact)
    db.session.commit()

    assert document.kind == AttachmentKind.DOCUMENT and document.content_type == "application/pdf"
    assert media.file_path(document).read_bytes() == pdf  # a PDF is stored as sent
    assert document.thumb_path is None
    assert picture.kind == AttachmentKind.PHOTO and picture.width > picture.height
    assert evidence.evidence([rectification.id]) == {rectification.id: [document, picture]}
    assert {p.suffix for p in stored_files(app)} == {".pdf", ".jpg"}
    added = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "evidence.add")).all()
    assert len(added) == 2


@pytest.mark.parametrize(("filename", "data"), [
    ("整改报告.pdf", "这是一份 Word 文档".encode()),
    ("cut.pdf", make_pdf()[:200]),
    ("locked.pdf", make_pdf(password="secret")),
], ids=["word-named-pdf", "truncated", "encrypted"])
def test_bad_pdf_evidence_is_refused_naming_the_file(world: World, app: Flask, rectification: Rectification,
                                                     filename: str, data: bytes) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        evidence.add_evidence(rectification, data, filename=filename, actor=world.school_contact)
    assert filename in excinfo.value.message
    # Judged as a PDF (a file named .pdf is not "not a photo"), with the same reason as the PDF check gives.
    with pytest.raises(ValidationFailed) as direct:
        media.check_pdf(data, filename=filename)
    assert excinfo.value.message == direct.value.message
    assert stored_files(app) == []


def test_removing_evidence_deletes_its_file(world: World, app: Flask, rectification: Rectification) -> None:
    document = evidence.add_evidence(rectification, make_pdf(), filename="report.pdf",
                                  actor=world.school_contact)
    db.session.commit()

    evidence.remove_evidence(document, actor=world.school_contact)
    db.session.commit()

    assert stored_files(app) == []
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attachment.remove")).one()
    assert entry.school_id == world.school.id


# --- the upload endpoint and serving -----------------------------------------------------------------------

JSON = {"Accept": "application/json"}


def fetch(client: t.Any, url: str) -> t.Any:
    """GET ``url`` and close the response (a served file stays open until then)."""
    with client.get(url) as response:
        response.get_data()
        return response


def post_photo(client: t.Any, world: World, item: ChecklistItem, data: bytes, filename: str) -> t.Any:
    """Send a photo as the tablet does: PUT /api/v1/media/UUID with the bytes and their SHA-256."""
    return client.put(f"/api/v1/media/{uuid.uuid4()}?visit={world.visit.uuid}&item={item.id}&filename={filename}",
                      headers={**JSON, "X-Content-SHA256": hashlib.sha256(data).hexdigest()}, data=data)


def test_an_inspector_uploads_a_photo_and_gets_its_urls(world: World, auth: Auth, client: t.Any) -> None:
    item = item_named(world, "S1_1")
    auth.login(world.inspector)

    response = post_photo(client, world, item, photo("Landscape_8.jpg"), "Landscape_8.jpg")

    assert response.status_code == 201
    body = response.get_json()
    photo_response = fetch(client, f"/media/{body['file_id']}")
    assert photo_response.status_code == 200
    assert photo_response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(photo_response.data)) as image:
        assert image.size == (1600, 1067)
    thumb_response = fetch(client, f"/media/{body['file_id']}?thumb=1")
    assert thumb_response.status_code == 200
    with Image.open(io.BytesIO(thumb_response.data)) as thumb:
        assert thumb.size == (320, 213)


def test_a_refused_upload_answers_json_naming_the_file(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.inspector)

    response = post_photo(client, world, item_named(world, "S1_1"), photo("broken.png"), "broken.png")

    assert response.status_code == 400
    assert "broken.png" in response.get_json()["error"]


@pytest.mark.config(MAX_CONTENT_LENGTH=50_000)
def test_an_upload_over_the_request_limit_is_refused(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.inspector)

    response = post_photo(client, world, item_named(world, "S1_1"), photo("Portrait_1.jpg"), "Portrait_1.jpg")

    assert response.status_code == 413
    assert response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_no_photo_can_be_uploaded_to_a_submitted_visit(world: World, auth: Auth, client: t.Any,
                                                       app: Flask) -> None:
    submit_with_failing_item(app, world)
    db.session.commit()
    auth.login(world.inspector)

    response = post_photo(client, world, item_named(world, "S1_1"), photo("hopper.jpg"), "hopper.jpg")

    assert response.status_code == 409
    assert response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_only_the_assigned_inspector_may_upload(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.other_inspector)
    response = post_photo(client, world, item_named(world, "S1_1"), photo("hopper.jpg"), "hopper.jpg")
    assert response.status_code == 404


def statuses(auth: Auth, client: t.Any, world: World, url: str) -> dict[str, int]:
    seen = {}
    for role, user in world.by_role().items():
        if user is None:
            continue
        assert auth.login(user).status_code == 302
        seen[role] = fetch(client, url).status_code
        auth.logout()
    return seen


def test_who_may_see_an_inspection_photo(world: World, auth: Auth, client: t.Any, app: Flask) -> None:
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("hopper.jpg"),
                                       filename="hopper.jpg", actor=world.inspector)
    other_item = photos.add_visit_photo(world.visit, item_named(world, "S1_2"), photo("hopper.jpg"),
                                       filename="other.jpg", actor=world.inspector)
    db.session.commit()
    url, other_url = f"/media/{attachment.id}", f"/media/{other_item.id}"
    staff = {"admin": 200, "supervisor": 200, "county_supervisor": 200, "other_county_supervisor": 404,
             "viewer": 200, "inspector": 200, "other_inspector": 404, "other_school": 404}

    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert statuses(auth, client, world, url) == {**staff, "school": 404}

    finding = submit_with_failing_item(app, world, "S1_1")
    db.session.commit()
    assert statuses(auth, client, world, url) == {**staff, "school": 404}  # raised, not yet confirmed

    finding_services.confirm_finding(finding, actor=world.supervisor)
    db.session.commit()
    assert statuses(auth, client, world, url) == {**staff, "school": 200}
    # Only the photos behind the confirmed finding, not the rest of the visit.
    assert statuses(auth, client, world, other_url) == {**staff, "school": 404}


def test_who_may_see_rectification_evidence(world: World, auth: Auth, client: t.Any,
                                            rectification: Rectification) -> None:
    document = evidence.add_evidence(rectification, make_pdf(), filename="report.pdf",
                                  actor=world.school_contact)
    db.session.commit()

    seen = statuses(auth, client, world, f"/media/{document.id}")

    assert seen == {"admin": 200, "supervisor": 200, "county_supervisor": 200, "other_county_supervisor": 404,
                    "viewer": 200, "inspector": 200, "other_inspector": 404, "school": 200,
                    "other_school": 404}
    auth.login(world.school_contact)
    response = fetch(client, f"/media/{document.id}")
    assert response.get_data() == media.file_path(document).read_bytes()
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]



def test_files_follow_the_database_transaction(world: World) -> None:
    item = item_named(world, "S1_1")
    added = photos.add_visit_photo(world.visit, item, photo("hopper.jpg"), filename="a.jpg", actor=world.inspector)
    assert added.original_path  # until processed, the photo is its bytes as uploaded
    path = storage.area("uploads").local_path(added.original_path)
    assert path is not None
    assert path.is_file()
    db.session.rollback()
    assert not path.exists(), "a file written for a rolled-back row is left behind"

    added = photos.add_visit_photo(world.visit, item, photo("hopper.jpg"), filename="b.jpg", actor=world.inspector)
    db.session.commit()
    path = media.file_path(added)
    attachments.remove(added, actor=world.inspector)
    assert path.is_file(), "the file went before its deletion was committed"
    db.session.rollback()
    assert path.is_file()
    attachments.remove(db.session.get(Attachment, added.id), actor=world.inspector)
    db.session.commit()
    assert not path.exists()
