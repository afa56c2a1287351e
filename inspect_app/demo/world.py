"""The demo's world: 渭南市 and its 11 counties, their schools, the accounts, the checklist and its revision.

:class:`World` carries what the rest of the demo builds on (the day it is loaded, its random source,
the accounts by user name); the other modules of :mod:`inspect_app.demo` take it as their first argument.
"""

from __future__ import annotations

import random
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..auth import services as auth_services
from ..auth.models import Role
from ..auth.models import User
from ..auth.models import hash_password
from ..campaigns import services as campaign_services
from ..campaigns.models import Campaign
from ..checklists import services as checklist_services
from ..checklists.models import ChecklistVersion
from ..core.documents import zh_numeral
from ..db import LOCAL_TZ
from ..db import frozen_time
from ..extensions import db
from ..schools import regions
from ..schools import services as school_services
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel

DEMO_PASSWORD = "demo1234"
# (inspector, county of the school, index of the school in that county, reason)
DECLARED_CONFLICTS = [
    ("insp022", "临渭区", 1, "配偶在该校任教"),
    ("insp051", "华州区", 0, "曾任该校副校长，2024年调离"),
]

COUNTIES = [
    ("临渭区", "610502", (34.50, 109.51)),
    ("华州区", "610503", (34.51, 109.77)),
    ("潼关县", "610522", (34.54, 110.25)),
    ("大荔县", "610523", (34.80, 109.94)),
    ("合阳县", "610524", (35.24, 110.15)),
    ("澄城县", "610525", (35.19, 109.93)),
    ("蒲城县", "610526", (34.96, 109.59)),
    ("白水县", "610527", (35.18, 109.59)),
    ("富平县", "610528", (34.75, 109.18)),
    ("韩城市", "610581", (35.48, 110.44)),
    ("华阴市", "610582", (34.57, 110.09)),
]
PLACES = ["城关", "东风", "向阳", "新华", "育才", "希望", "红旗", "光明", "建设", "胜利", "朝阳", "民主",
          "兴华", "启明", "阳光", "文昌", "正阳", "实验", "和平", "清泉", "杏林", "南塬", "北街", "西关"]
TOWNS = ["官道", "孝义", "故市", "龙背", "阳郭", "双王", "丰原", "桥南", "下邽", "官底", "赤水", "柳枝",
         "辛市", "冯村", "羌白", "安仁", "韦庄", "罕井", "尧头", "雷牙", "杜康", "淡村", "庄里", "流曲"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["建国", "晓燕", "丽娟", "志强", "海燕", "文博", "秀英", "国平", "红梅", "少华", "亚军", "静",
         "敏", "伟", "磊", "芳", "宏伟", "玉兰", "新民", "俊峰", "雪梅", "春生", "永刚", "晓东"]


@contextmanager
def happened_at(moment: datetime) -> Iterator[None]:
    """Inside the block it is ``moment``; what the block did is written then, so every row it adds or
    changes (audit entries included) carries that time, not the time of a later flush."""
    with frozen_time(moment):
        yield
        db.session.flush()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of ``hour:minute`` local time on ``day``."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(UTC)


def term_of(day: date) -> tuple[str, str]:
    """The school term ``day`` falls in, and its letter in campaign codes (C spring, Q autumn)."""
    spring = 2 <= day.month <= 7
    return f"{day.year}年{'春季' if spring else '秋季'}学期", ("C" if spring else "Q")


class World:
    """The demo world as it is being built; dates are relative to ``today``."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.rnd = random.Random(2026)
        self.users: dict[str, User] = {}
        # The school of the ``school`` account, chosen with the main campaign's problems.
        self.demo_school: School | None = None
        # Every demo account has the same password: it is hashed once (scrypt is slow on purpose).
        self._password_hash: str | None = None

    def person(self) -> str:
        return self.rnd.choice(SURNAMES) + self.rnd.choice(GIVEN)

    def create_account(self, username: str, role: Role, name: str, **kw: t.Any) -> User:
        if self._password_hash is None:
            self._password_hash = hash_password(DEMO_PASSWORD)
        # The demo's documented password is weak on purpose; the demo refuses to run in production.
        user = auth_services.create_user(username, role=role, password=DEMO_PASSWORD, display_name=name,
                                         password_hash=self._password_hash, actor=None, check_strength=False, **kw)
        self.users[username] = user
        return user

    def school_contact(self, school: School) -> User:
        """The school's contact account, created on first need (``school`` for the demo school)."""
        if self.demo_school is not None and school.id == self.demo_school.id:
            key = "school"
        else:
            key = f"school-{school.code}"
        if key not in self.users:
            self.create_account(key, Role.SCHOOL, school.contact_name or school.name, school=school)
        return self.users[key]

    def counties_and_schools(self) -> dict[str, list[School]]:
        by_county: dict[str, list[School]] = {}
        levels = ([SchoolLevel.PRESCHOOL] * 8 + [SchoolLevel.PRIMARY] * 10 + [SchoolLevel.JUNIOR] * 5
                  + [SchoolLevel.NINE_YEAR] * 2 + [SchoolLevel.SENIOR] * 2 + [SchoolLevel.VOCATIONAL])
        for name, code, (lat, lon) in COUNTIES:
            county = school_services.create_county(name, code=code, actor=None)
            short = name[:-1]
            schools = []
            used: set[str] = set()
            for n, level in enumerate(levels):
                school_name = self._school_name(short, level, n, used)
                school = school_services.create_school(
                    code=f"21{code[2:6]}{n + 1:04d}",
                    name=school_name,
                    county=county,
                    level=level,
                    address=f"{name}{self.rnd.choice(TOWNS)}镇{self.rnd.randint(1, 99)}号",
                    contact_name=self.person(),
                    contact_phone=f"0913-{self.rnd.randint(2000000, 8999999)}",
                    latitude=Decimal(str(round(lat + self.rnd.uniform(-0.12, 0.12), 6))),
                    longitude=Decimal(str(round(lon + self.rnd.uniform(-0.12, 0.12), 6))),
                    actor=None,
                )
                schools.append(school)
            by_county[name] = schools
        db.session.flush()
        return by_county

    def _school_name(self, short: str, level: SchoolLevel, n: int, used: set[str]) -> str:
        suffix = {
            SchoolLevel.PRESCHOOL: "幼儿园", SchoolLevel.PRIMARY: "小学", SchoolLevel.JUNIOR: "初级中学",
            SchoolLevel.NINE_YEAR: "九年制学校", SchoolLevel.SENIOR: "高级中学", SchoolLevel.VOCATIONAL: "职业教育中心",
        }[level]
        while True:
            if level in (SchoolLevel.SENIOR, SchoolLevel.VOCATIONAL):
                core = f"{short}{'第' + '一二三四'[n % 4] if level == SchoolLevel.SENIOR else ''}"
            elif n % 3 == 0:
                core = f"{short}{self.rnd.choice(TOWNS)}镇中心"
            else:
                core = f"{short}{self.rnd.choice(PLACES)}"
            name = core + suffix
            if name not in used:
                used.add(name)
                return name

    def accounts(self) -> None:
        counties = {c.name: c for c in db.session.scalars(sa.select(County))}
        make = self.create_account
        make("admin", Role.ADMIN, "系统管理员")
        # The city's centre and education bureau work at the city's level (渭南市), as an upgraded install's do.
        city = regions.home_city()
        make("supervisor", Role.SUPERVISOR, "市资助中心 " + self.person(), city=city)
        make("huazhou", Role.SUPERVISOR, "华州区资助中心 " + self.person(), county=counties["华州区"])
        make("viewer", Role.VIEWER, "市教育局 " + self.person(), city=city)
        make("inspector", Role.INSPECTOR, self.person(), county=counties["临渭区"])
        for index, (name, _code, _pos) in enumerate(COUNTIES):
            for k in (1, 2):
                make(f"insp{index + 1:02d}{k}", Role.INSPECTOR, self.person(), county=counties[name])

    # --- checklist ------------------------------------------------------------------------------
    def checklist(self) -> ChecklistVersion:
        """The shipped checklist, published before the earliest campaign that uses it."""
        forms = Path(current_app.config["FORMS_DIR"])
        with happened_at(at(self.today - timedelta(days=240), 10)):
            results = checklist_services.load_directory(forms, actor=self.users["admin"], publish=True)
        return next(v for v, _created in results if v.checklist.form_id == "student_aid_cross_check")

    def conflicts(self, by_county: dict[str, list[School]]) -> None:
        """Two declared conflicts: the planner never sends these inspectors to these schools."""
        with happened_at(at(self.today - timedelta(days=100), 10)):
            for username, county, index, reason in DECLARED_CONFLICTS:
                campaign_services.declare_conflict(self.users[username], by_county[county][index], reason=reason,
                                                   actor=self.users["supervisor"])

    def teams(self, campaign: Campaign, actor: User) -> None:
        """Team i: the first inspector of county i leads, the second of county i+1 joins."""
        n = len(COUNTIES)
        for i in range(n):
            campaign_services.save_team(
                campaign, name=f"第{zh_numeral(i + 1)}检查组", leader=self.users[f"insp{i + 1:02d}1"],
                members=[self.users[f"insp{(i + 1) % n + 1:02d}2"]], actor=actor,
            )

    def checklist_revision(self, version: ChecklistVersion) -> ChecklistVersion:
        """Next term's revision of the checklist, imported as a draft to preview and compare with the one in use.

        It adds D10 (公示 of the payment results, with its note and photo) and rewords D7.
        """
        text = (Path(current_app.config["FORMS_DIR"]) / version.source_name).read_text(encoding="utf-8")
        lines = text.splitlines()

        def cells(line: str) -> list[str]:
            return [c.strip() for c in line.split("|")[1:-1]]

        header = cells(next(line for line in lines if cells(line)[1:3] == ["type", "name"]))
        column = {name: index for index, name in enumerate(header)}
        rows = {cells(line)[2]: (n, cells(line)) for n, line in enumerate(lines)
                if line.startswith("|        |") and len(cells(line)) == len(header)}
        added = []
        for name in ("D9", "D9_note", "D9_photo"):
            row = [c.replace("D9", "D10") for c in rows[name][1]]
            if name == "D9":
                for key, value in {
                    "weight": "2", "severity": "较重", "method": "查阅公示材料",
                    "label::Chinese (zh)": "资助资金发放结果按规定在适当范围内公示，"
                                           "公示内容不含身份证号、银行账号等敏感信息",
                    "label::English (en)": "Payment results are posted within an appropriate scope as required, "
                                           "without ID numbers, bank account numbers or other sensitive information",
                    "hint::Chinese (zh)": "", "hint::English (en)": "",
                    "policy_basis": "《学生资助资金管理办法》财教〔2021〕310号",
                }.items():
                    row[column[key]] = value
            added.append("| " + " | ".join(row) + " |")
        cut = rows["D9_photo"][0] + 1
        revised = "\n".join(lines[:cut] + added + lines[cut:]) + "\n"
        revised = (revised.replace("公办普高3%–5%", "公办普通高中3%–5%")
                   .replace(f"| {version.version}  |", "| 2026.2  |"))
        with happened_at(at(self.today - timedelta(days=2), 15)):
            draft, _created = checklist_services.import_checklist(
                revised.encode(), filename=version.source_name, actor=self.users["admin"])
        return draft

