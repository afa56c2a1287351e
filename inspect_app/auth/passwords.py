"""How strong a password is: zxcvbn's estimate, a shipped list of common passwords, the person's own words.

:func:`inspect_app.auth.services.validate_password` turns the answer into the refusal every path shows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from flask_babel import gettext as _
from zxcvbn import zxcvbn

COMMON_PASSWORDS = Path(__file__).parent / "data" / "common_passwords.txt"
MIN_LENGTH = 8
# zxcvbn scores 0–4; 3 is "safely unguessable: moderate protection from an offline slow-hash scenario".
MIN_SCORE = 3
# zxcvbn's running time grows with the length; beyond this a password is long enough not to need it.
ZXCVBN_MAX_LENGTH = 100


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def personal_words(words: Iterable[str | None]) -> list[str]:
    """The user's own words worth refusing: user name, name, school code (three characters or more)."""
    return [w.strip().lower() for w in words if w and len(w.strip()) >= 3]


def weakness(password: str, *, personal: Iterable[str | None] = (), min_score: int = MIN_SCORE) -> str | None:
    """Why ``password`` is too weak, translated, or None when it is strong enough."""
    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return _("This password is among the most common ones. Choose another.")
    words = personal_words(personal)
    if any(word in lowered for word in words):
        return _("The password must not contain your user name, your name or your school's code.")
    if len(password) <= ZXCVBN_MAX_LENGTH and zxcvbn(password, user_inputs=words)["score"] < min_score:
        return _("This password is easy to guess. Use a longer one, for example several unrelated words.")
    return None
