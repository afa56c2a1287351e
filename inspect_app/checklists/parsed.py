"""What an imported XLSForm becomes before it is stored: its sections and questions, checked and compiled."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from .models import ItemType
from .models import Severity


@dataclass
class ParsedItem:
    name: str
    type: ItemType
    label: dict[str, str]
    section: str | None
    row: int | None = None
    hint: dict[str, str] | None = None
    required: bool = False
    choices: list[dict[str, t.Any]] | None = None
    fail_values: list[str] = field(default_factory=list)
    correct_values: list[str] | None = None
    weight: Decimal | None = None
    severity: Severity | None = None
    veto: bool = False
    policy_basis: str | None = None
    method: str | None = None
    repeat: str | None = None
    detail_of: str | None = None
    relevant: str | None = None
    constraint: str | None = None
    required_if: str | None = None
    constraint_message: dict[str, str] | None = None
    required_message: dict[str, str] | None = None
    default_value: str | None = None
    photo_location: bool = False
    logic: dict[str, t.Any] | None = None


@dataclass
class ParsedSection:
    name: str
    label: dict[str, str]
    weight: Decimal | None = None
    row: int | None = None
    relevant: str | None = None
    logic: dict[str, t.Any] | None = None


@dataclass
class ParsedChecklist:
    form_id: str
    title: dict[str, str]
    version: str | None
    default_language: str
    sections: list[ParsedSection] = field(default_factory=list)
    items: list[ParsedItem] = field(default_factory=list)


@dataclass
class FormSource:
    """pyxform's dict of a form, and the survey-sheet row of each name (header = row 1)."""

    form: dict[str, t.Any]
    rows: dict[str, int] = field(default_factory=dict)
