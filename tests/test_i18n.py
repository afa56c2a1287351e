"""The Chinese catalogue: complete, faithful to its placeholders, compiled, and actually used.

Chinese (zh_CN) is the default language; English message ids are the fallback. These tests
extract the marked strings from the source the way ``pybabel extract -F babel.cfg`` does and hold
the committed catalogue ``inspect_app/translations/zh_Hans_CN/LC_MESSAGES/messages.po`` (and its
compiled ``messages.mo``) to them; then they render a few pages and a service message to check
that the catalogue is the one the application loads.
"""

from __future__ import annotations

import io
import re
import typing as t
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from inspect_app.campaigns import services as campaign_services
from tests.fixtures import Auth
from tests.fixtures import World

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_DIR = ROOT / "inspect_app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
PO = CATALOGUE_DIR / "messages.po"
MO = CATALOGUE_DIR / "messages.mo"

# pybabel's defaults (``_``, ``gettext``, ``ngettext``, ...) plus Flask-Babel's lazy forms.
KEYWORDS: dict[str, t.Any] = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None,
                              "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2),
                              "_lp": ((1, "c"), 2)}

# printf-style conversions: %(name)s, %(n)d, %s, %.1f ... (``%%`` is a literal percent sign).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")

Key = tuple[str | None, str]


def _directory_filter(path: str) -> bool:
    """Skip hidden folders (a virtual environment in ``.venv``) and caches."""
    name = Path(path).name
    return not name.startswith(".") and name != "__pycache__"


def extracted_messages() -> dict[Key, list[str]]:
    """Every marked string in the source, keyed by (context, msgid), with where it occurs."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found: dict[Key, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_directory_filter,
    ):
        msgid = message[0] if isinstance(message, (list, tuple)) else message
        if msgid:
            found.setdefault((context, msgid), []).append(f"{filename}:{lineno}")
    return found


def _key(message: Message) -> Key:
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return message.context, t.cast(str, msgid)


def _strings(message: Message) -> list[str]:
    value = message.string
    return list(value) if isinstance(value, (list, tuple)) else [value or ""]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


@pytest.fixture(scope="module")
def po() -> Catalog:
    assert PO.is_file(), f"{PO.relative_to(ROOT)} is missing"
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN")


def test_every_marked_string_has_a_chinese_translation(po: Catalog) -> None:
    extracted = extracted_messages()
    assert len(extracted) > 300, "extraction found too few strings: check babel.cfg"
    translations = {_key(m): m for m in po if m.id}
    missing = []
    for key, where in sorted(extracted.items(), key=lambda kv: kv[1][0]):
        message = translations.get(key)
        if message is None:
            missing.append(f"{key[1]!r} ({where[0]}): not in the catalogue")
        elif message.fuzzy:
            missing.append(f"{key[1]!r} ({where[0]}): fuzzy")
        elif not all(s.strip() for s in _strings(message)):
            missing.append(f"{key[1]!r} ({where[0]}): empty translation")
    assert not missing, (
        f"{len(missing)} message(s) lack a Chinese translation in {PO.relative_to(ROOT)} "
        "(see docs/translations.md):\n  " + "\n  ".join(missing)
    )


def test_no_fuzzy_or_empty_entries_linger(po: Catalog) -> None:
    """Entries no longer in the source may stay, but none may be half-done."""
    bad = [m.id for m in po if m.id and (m.fuzzy or not all(s.strip() for s in _strings(m)))]
    assert not bad, f"fuzzy or empty entries: {bad}"
    assert not po.fuzzy, "the catalogue header is marked fuzzy"


def test_translations_keep_their_placeholders(po: Catalog) -> None:
    wrong = []
    for message in po:
        if not message.id:
            continue
        # Chinese has one plural form: every form must carry the plural msgid's placeholders.
        expected = Counter(PLACEHOLDER.findall(_ids(message)[-1]))
        for text in _strings(message):
            got = Counter(PLACEHOLDER.findall(text))
            if got != expected:
                wrong.append(f"{_ids(message)[0]!r} → {text!r}: expected {sorted(expected.elements())}, "
                             f"got {sorted(got.elements())}")
    assert not wrong, "translations whose placeholders differ from the msgid:\n  " + "\n  ".join(wrong)


def test_plural_entries_have_the_single_chinese_form(po: Catalog) -> None:
    assert po.num_plurals == 1
    wrong = [m.id for m in po if m.pluralizable and len(_strings(m)) != 1]
    assert not wrong, f"plural entries without exactly one msgstr: {wrong}"


def _contents(catalog: Catalog) -> dict[Key, tuple[str, ...]]:
    return {_key(m): tuple(_strings(m)) for m in catalog if m.id}


def test_compiled_catalogue_matches_the_po(po: Catalog) -> None:
    assert MO.is_file(), f"{MO.relative_to(ROOT)} is missing: run pybabel compile -d inspect_app/translations"
    buffer = io.BytesIO()
    write_mo(buffer, po)  # as ``pybabel compile`` does: fuzzy entries left out
    buffer.seek(0)
    expected = _contents(read_mo(buffer))
    with MO.open("rb") as f:
        actual = _contents(read_mo(f))
    stale = sorted({k[1] for k in expected.keys() ^ actual.keys()}
                   | {k[1] for k in expected.keys() & actual.keys() if expected[k] != actual[k]})
    assert not stale, (
        f"{MO.relative_to(ROOT)} is out of date with the .po ({len(stale)} entries differ, e.g. {stale[:5]}): "
        "run pybabel compile -d inspect_app/translations"
    )


# --- the running application ------------------------------------------------------------------------


def test_the_default_locale_loads_the_chinese_catalogue(app: Flask) -> None:
    from flask_babel import get_locale
    from flask_babel import get_translations
    from flask_babel import gettext

    with app.test_request_context("/"):
        locale = get_locale()
        assert locale is not None and locale.language == "zh"
        assert gettext("Log in") == "登录", (
            f"the default locale {locale} (directory name {locale!s}) finds no catalogue in "
            f"inspect_app/translations (got {type(get_translations()).__name__}); Babel parses "
            "'zh_CN' as zh_Hans_CN, so a catalogue stored under zh_CN/ is not found"
        )


def test_pages_are_chinese_by_default_and_english_on_request(client: FlaskClient, auth: Auth,
                                                             world: World) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page and "资助督查" in page
    assert "Log in" not in page

    auth.login(world.inspector)
    page = client.get("/visits/mine").get_data(as_text=True)
    assert "我的检查任务" in page
    assert "My visits" not in page
    assert world.school.name in page

    assert client.post("/language", data={"lang": "en"}).status_code == 302
    page = client.get("/visits/mine").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "My visits" in page and "Student-aid inspection" in page
    assert "我的检查任务" not in page

    client.post("/language", data={"lang": "zh_CN"})
    assert "我的检查任务" in client.get("/visits/mine").get_data(as_text=True)


def test_the_login_page_honours_the_language_switch_before_login(client: FlaskClient) -> None:
    client.post("/language", data={"lang": "en"})
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page


def test_service_messages_are_chinese(app: Flask, world: World) -> None:
    from flask_babel import force_locale

    # The inspector's own county is 临渭区: inspecting 临渭第二小学 breaks the cross-inspection rule.
    with app.test_request_context("/"):
        problem = campaign_services.assignment_problem(world.campaign, world.other_school, world.inspector)
        assert problem is not None
        assert "交叉检查" in problem, problem
        assert world.inspector.display_name in problem and "临渭区" in problem and "临渭第二小学" in problem
        assert "cross-inspection" not in problem
        with force_locale("en"):
            english = campaign_services.assignment_problem(world.campaign, world.other_school, world.inspector)
        assert english is not None and "cross-inspection rule" in english
