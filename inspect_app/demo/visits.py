"""How the demo's inspectors fill in their visits: on the web (all answers at once), from a tablet, or both."""

from __future__ import annotations

import hashlib
import random
import typing as t
import uuid
from datetime import timedelta
from decimal import Decimal

from ..auth.models import User
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistVersion
from ..checklists.models import ItemType
from ..db import utcnow
from ..extensions import db
from ..media.models import AttachmentKind
from ..media.models import Signer
from ..sync import services as sync_services
from ..visits import services as visit_services
from ..visits.answer_sheet import AnswerSheet
from ..visits.models import Visit
from .fakes import photo
from .fakes import signature
from .world import World
from .world import happened_at

IPAD_USER_AGENT = ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                   "Version/17.5 Mobile/15E148 Safari/604.1")


def answer_all(world: World, visit: Visit, version: ChecklistVersion, fails: dict[str, str],
               inspector: User, *, partial: int | None = None) -> None:
    """Answer the questions of a visit not answered yet, as a tablet's batch would.

    The same rows and revisions, taken by an :class:`AnswerSheet`, written in one INSERT with one audit
    entry for the visit's batch: the demo's ~5,800 answers would otherwise cost a query and a flush each.
    """
    given = answers(world, visit, version, fails, partial=partial)
    sheet = AnswerSheet(visit, [item.id for item, _value, _note in given])
    for item, value, note in given:
        sheet.save(item, value=value, note=note, actor=inspector)
    sheet.write()
    db.session.expire(visit, ["answers"])
    # Written now, while the clock reads the time the answers were given.
    db.session.flush()


def answers(world: World, visit: Visit, version: ChecklistVersion, fails: dict[str, str], *,
            partial: int | None = None) -> list[tuple[ChecklistItem, str, str | None]]:
    """(item, value, note) of every answer an inspector gives; ``fails`` maps failing items to what was found."""
    # The questions every visit answers; the note and photos of an item are asked only when it fails.
    given: list[tuple[ChecklistItem, str, str | None]] = []
    items = [i for i in version.items
             if i.type.takes_answer and i.repeat_id is None and i.detail_of_id is None]
    if partial is not None:
        items = items[:partial]
    enrolled = world.rnd.randint(120, 1800)
    for item in items:
        if item.type == ItemType.IMAGE:
            continue
        answer = _answer(world, item, visit, fails, enrolled)
        if answer is None:
            continue
        value, note = answer
        note_question = item.note_question
        given.append((item, value, None if note_question else note))
        if note and note_question is not None:
            given.append((note_question, note, None))
    return given


def _answer(world: World, item: ChecklistItem, visit: Visit, fails: dict[str, str],
            enrolled: int) -> tuple[str, str | None] | None:
    """The value given to ``item`` and the note on it; None for a kind of question the demo leaves blank."""
    names = [c["name"] for c in item.choices or []]
    if item.name in fails:
        if item.type == ItemType.SELECT_ONE and "no" not in names:
            return item.fail_values[0], fails[item.name]
        return "no", fails[item.name]
    if item.type == ItemType.SELECT_ONE:
        return _choice(world, item, names), None
    if item.type == ItemType.DATE:
        return (visit.planned_on or world.today).isoformat(), None
    if item.type == ItemType.INTEGER:
        return str(enrolled if item.name == "enrolled" else world.rnd.randint(10, min(300, enrolled))), None
    if item.type == ItemType.TEXT:
        return text_answer(world, item, visit, fails), None
    return None


def from_tablet(world: World, visit: Visit, version: ChecklistVersion, fails: dict[str, str], inspector: User,
                 *, device: str, signer: str) -> None:
    """The visit as a tablet sends it: opened on arrival, checked in, answers in batches (one sent twice
    over a bad connection), a photo of each problem, both signatures, submitted."""
    keys = random.Random(visit.id)

    def key() -> str:
        return str(uuid.UUID(int=keys.getrandbits(128), version=4))

    client = sync_services.Client(client_id=device, user_agent=IPAD_USER_AGENT)
    now = utcnow()
    arrived = now - timedelta(hours=2)
    school = visit.school
    # On arrival the tablet still has a connection: the visit is opened and the check-in sent then,
    # so the check-in time and its audit entry agree. The answers follow in batches two hours later.
    with happened_at(arrived):
        sync_services.open_visit(visit, {"school_id": visit.school_id, "checklist_version_id": version.id,
                                         "started_at": arrived.isoformat()},
                                 actor=inspector, client=client)
        if school.latitude is not None and school.longitude is not None:
            checkin = {"op_id": key(), "type": "checkin", "latitude": str(school.latitude + Decimal("0.0003")),
                       "longitude": str(school.longitude - Decimal("0.0002")), "accuracy_m": "9.5",
                       "at": arrived.isoformat()}
            sync_services.apply_batch(visit, [checkin], key=key(), actor=inspector, client=client)
    ops: list[dict[str, t.Any]] = [
        {"op_id": key(), "type": "answer", "item_id": item.id, "value": value, "note": note, "base_rev": 0,
         "client_ts": now.isoformat()} for item, value, note in answers(world, visit, version, fails)
    ]
    half = len(ops) // 2
    first, second = key(), key()
    sync_services.apply_batch(visit, ops[:half], key=first, actor=inspector, client=client)
    sync_services.apply_batch(visit, ops[half:], key=second, actor=inspector, client=client)
    sync_services.apply_batch(visit, ops[half:], key=second, actor=inspector, client=client)
    items = {i.name: i for i in version.items}
    for n, code in enumerate(fails):
        data = photo(visit.id * 10 + n, f"{school.code} {code}")
        target = sync_services.MediaTarget(visit=visit, kind=AttachmentKind.PHOTO,
                                           item=items[code].photo_question or items[code],
                                           filename=f"IMG_{2040 + n}.jpg")
        sync_services.put_media(key(), data, sha256=hashlib.sha256(data).hexdigest(), target=target,
                                actor=inspector, client=client)
    for who, name in ((Signer.INSPECTOR, None), (Signer.SCHOOL, signer)):
        data = signature(visit.id + len(who.value))
        target = sync_services.MediaTarget(visit=visit, kind=AttachmentKind.SIGNATURE, signer=who,
                                           signer_name=name)
        sync_services.put_media(key(), data, sha256=hashlib.sha256(data).hexdigest(), target=target,
                                actor=inspector, client=client)
    sync_services.submit(visit, key=key(), actor=inspector, client=client)


def parallel_edit(visit: Visit, version: ChecklistVersion, colleague: User) -> None:
    """A team member's tablet, offline all morning, sends its own count of an answer the leader gave."""
    answered = visit_services.visit_answers(visit)
    item = next(i for i in version.items if i.type == ItemType.INTEGER and (i.id, None) in answered)
    value = str(int(answered[(item.id, None)].value or 0) + 4)
    sync_services.apply_batch(
        visit, [{"op_id": str(uuid.UUID(int=visit.id, version=4)), "type": "answer", "item_id": item.id,
                 "value": value, "note": None, "base_rev": 0, "client_ts": utcnow().isoformat()}],
        key=f"demo-{visit.id}", actor=colleague,
        client=sync_services.Client(client_id="6d1f0c2a-tablet-b", user_agent=IPAD_USER_AGENT))


def _choice(world: World, item: ChecklistItem, names: list[str]) -> str:
    """Yes where the item allows it; about three in ten of section I's items do not apply to the school."""
    value = "yes" if "yes" in names else names[0]
    if item.section and item.section.name == "I" and world.rnd.random() < 0.3 and "na" in names:
        value = "na"
    return value


def text_answer(world: World, item: ChecklistItem, visit: Visit, fails: dict[str, str]) -> str:
    if item.name == "school_head":
        return world.person()
    if item.name == "contact_phone":
        return visit.school.contact_phone or ""
    if fails:
        return f"该校资助工作总体有序，发现{len(fails)}个问题，已现场反馈，要求限期整改。"
    return "该校资助工作组织健全、制度完善、发放规范，未发现问题。"
