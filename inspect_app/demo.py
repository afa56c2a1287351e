"""The demo world of domain.md: 渭南市, its 11 counties, schools, accounts and two campaigns.

Everything is created through the services, at the times it would have happened
(see :func:`inspect_app.db.frozen_time`), so the audit log, deadlines and overdue
figures read like a live system. Dates are relative to the day the demo is loaded.
"""

from __future__ import annotations

import hashlib
import io
import random
import typing as t
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from PIL import Image
from PIL import ImageDraw

from .auth import services as auth_services
from .auth.models import Role
from .auth.models import User
from .campaigns import services as campaign_services
from .campaigns.models import Campaign
from .checklists import services as checklist_services
from .checklists.models import ChecklistItem
from .checklists.models import ChecklistVersion
from .checklists.models import ItemType
from .core.documents import zh_numeral
from .db import LOCAL_TZ
from .db import frozen_time
from .db import local_today
from .db import utcnow
from .extensions import db
from .findings import services as finding_services
from .media import services as media_services
from .media.models import AttachmentKind
from .notifications import services as notification_services
from .rectification import services as rect_services
from .rectification.models import Rectification
from .reminders import services as reminder_services
from .schools import services as school_services
from .schools.models import County
from .schools.models import School
from .schools.models import SchoolLevel
from .visits import services as visit_services
from .visits.models import Visit

DEMO_PASSWORD = "demo1234"
MAIN_CODE_PREFIX = "JC"
N_SCHOOLS_INSPECTED = 108
MAIN_SEED = 20260301
NEXT_SEED = 731905
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

# Problems found in the main campaign: (item, what the inspector wrote). 25 of them are confirmed.
PROBLEMS: list[tuple[str, str]] = [
    ("D1", "抽查2023年秋季学期发放花名册，3名学生按500元发放，低于本学段625元标准。"),
    ("D2", "春季学期助学金至检查时仍未发放到位，已超过规定时限两个月。"),
    ("D4", "亮卡检查发现，5名学生的资助卡由班主任集中保管，学生本人不掌握。"),
    ("D8", "2023年秋季学期发放凭证缺少学生（家长）领款签字表。"),
    ("D6", "个别班级存在“轮流享受”助学金现象，评议记录显示名额按学期轮换。"),
    ("D7", "未按规定从事业收入中足额提取校内资助经费，提取比例不足3%。"),
    ("D9", "民办幼儿园保教费减免未按差额执行，未留存减免明细。"),
    ("C2", "抽查12份申请表，其中4份无学生或监护人签字，特殊群体证明材料不全。"),
    ("C6", "认定结果公示内容包含学生身份证号码，泄露个人敏感信息。"),
    ("C4", "民主评议无会议记录，评议小组成员签到表缺失。"),
    ("C7", "未建立学期动态调整机制，本学期未开展复核。"),
    ("C8", "比对低保名单发现2名低保家庭学生未纳入资助范围。"),
    ("E1", "资助档案未按学年、项目分类建档，申请表与认定材料混放。"),
    ("E3", "纸质档案名单与全国学生资助管理信息系统名单不一致，相差3人。"),
    ("E1", "“一生一档”未建立，部分受助学生缺少认定材料。"),
    ("E3", "发放名单与系统名单不一致，2名已转学学生仍在发放名单中。"),
    ("F1", "资金发放后未在当月完成系统录入，延迟两个月。"),
    ("F2", "实际受助人数与系统上报人数不一致，系统多报6人。"),
    ("F3", "转学、休学学生信息未及时更新，与学籍系统不一致。"),
    ("F2", "在校学生数与系统数据存在差异，未及时核对。"),
    ("B3", "未公布资助咨询和举报电话。"),
    ("B2", "无年度资助工作计划和总结。"),
    ("G1", "未开展资助政策宣传，无致家长一封信等宣传材料。"),
    ("G3", "随机询问6名学生，仅2人知晓国家助学金政策。"),
    ("A2", "本年度未召开资助工作专题会议，无会议纪要。"),
]
DISMISSED = [
    ("H1", "未见诚信感恩教育活动记录。", "学校已提供活动照片和总结，检查时未及时查到。"),
    ("A4", "资助档案未设专柜。", "档案存放于学校档案室专柜，现场复核符合要求。"),
    ("G2", "未见资助宣传月活动材料。", "宣传月活动在下学期开展，本项不适用。"),
]


@dataclass
class Plan:
    """What happens to a confirmed finding after review: its deadline (days from today), end state and
    extension request ("approved": the deadline was moved to ``due_in`` three weeks before it fell due)."""

    due_in: int
    end: str
    ext: str | None = None

    @property
    def first_due_in(self) -> int:
        return self.due_in - APPROVED_EXTENSION_DAYS if self.ext == "approved" else self.due_in


APPROVED_EXTENSION_DAYS = 21

# Twenty-five outcomes, one per problem above; every rectification state appears, some overdue, and the
# three outcomes of an extension request (approved, rejected, awaiting a decision).
OUTCOMES: list[Plan] = (
    [Plan(-20, "closed"), Plan(-10, "closed"), Plan(-3, "closed"), Plan(12, "closed", "approved"),
     Plan(25, "closed"), Plan(25, "closed"), Plan(18, "closed"), Plan(25, "closed"), Plan(25, "closed")]
    + [Plan(4, "submitted"), Plan(12, "submitted"), Plan(25, "submitted"), Plan(-2, "submitted")]
    + [Plan(-6, "in_progress", "rejected"), Plan(3, "in_progress"), Plan(25, "in_progress", "approved"),
       Plan(40, "in_progress")]
    + [Plan(6, "partial"), Plan(25, "partial", "pending")]
    + [Plan(-4, "returned"), Plan(10, "returned")]
    + [Plan(-8, "not_started"), Plan(2, "not_started", "pending"), Plan(25, "not_started"), Plan(40, "not_started")]
)
EXTENSION_REASONS = {
    "approved": "涉及补发资助资金，需报县财政审批后拨付，原定时限内无法完成，申请延期三周。",
    "rejected": "学校近期迎接其他专项检查，人手紧张，申请延期。",
    "pending": "需重新组织认定并公示5个工作日，原定时限内无法完成，申请延期两周。",
}

# The earlier special inspection of disbursement: (item, problem, days to close; None: still open).
EARLIER_PROBLEMS: list[tuple[str, str, int | None]] = [
    ("D1", "抽查发放花名册，2名学生发放标准与学段标准不符。", 18),
    ("D2", "秋季学期助学金延迟一个月发放。", 12),
    ("D4", "个别班级由班主任代管学生资助卡。", 9),
    ("D8", "部分发放凭证缺少学生（家长）签字。", 26),
    ("D3", "1名学生助学金以实物形式发放。", 33),
    ("D5", "向学生收取办卡工本费10元。", 7),
    ("D8", "银行代发清单与发放花名册金额不一致。", 41),
    ("D6", "助学金名额按班级平均分配，未按认定结果评审。", 37),
    ("D9", "民办幼儿园保教费减免未公示。", 15),
    ("D2", "中职国家助学金未按月发放。", None),
    ("D7", "未按规定比例提取校内资助经费。", None),
    ("D1", "资助档次调整后未重新核定发放金额。", 22),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(UTC)


def _term(day: date) -> tuple[str, str]:
    spring = 2 <= day.month <= 7
    return f"{day.year}年{'春季' if spring else '秋季'}学期", ("C" if spring else "Q")


def _photo(seed: int, caption: str) -> bytes:
    """A small synthetic site photo (the demo has no real ones)."""
    rnd = random.Random(seed)
    image = Image.new("RGB", (1280, 960), (rnd.randint(150, 210), rnd.randint(160, 210), rnd.randint(150, 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rnd.randint(0, 1000), rnd.randint(0, 700)
        draw.rectangle((x, y, x + rnd.randint(120, 380), y + rnd.randint(80, 300)),
                       fill=(rnd.randint(40, 250), rnd.randint(40, 250), rnd.randint(40, 250)))
    draw.rectangle((40, 860, 1240, 930), fill=(255, 255, 255))
    draw.text((60, 880), caption, fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _signature(seed: int) -> bytes:
    """A signature as signature_pad draws it: strokes on a transparent canvas."""
    rnd = random.Random(seed)
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    x, y = 60, 110
    for _ in range(14):
        nx, ny = x + rnd.randint(18, 40), 110 + rnd.randint(-55, 45)
        draw.line((x, y, nx, ny), fill=(17, 17, 17, 255), width=4)
        x, y = nx, ny
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


IPAD_USER_AGENT = ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                   "Version/17.5 Mobile/15E148 Safari/604.1")


def _scan(seed: int) -> bytes:
    """A one-page PDF standing in for a scanned document."""
    rnd = random.Random(seed)
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    for line in range(30):
        y = 200 + line * 45
        draw.line((120, y, 120 + rnd.randint(600, 1000), y), fill=(60, 60, 60), width=6)
    draw.ellipse((850, 1400, 1100, 1650), outline=(200, 30, 30), width=10)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


class DemoLoader:
    def __init__(self, today: date) -> None:
        self.today = today
        self.rnd = random.Random(2026)
        self.users: dict[str, User] = {}

    # --- world -------------------------------------------------------------------------------
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
                    contact_name=self._person(),
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

    def _person(self) -> str:
        return self.rnd.choice(SURNAMES) + self.rnd.choice(GIVEN)

    def accounts(self, by_county: dict[str, list[School]]) -> None:
        counties = {c.name: c for c in db.session.scalars(sa.select(County))}

        def make(username: str, role: Role, name: str, **kw: t.Any) -> User:
            user = auth_services.create_user(username, role=role, password=DEMO_PASSWORD, display_name=name,
                                             actor=None, **kw)
            self.users[username] = user
            return user

        make("admin", Role.ADMIN, "系统管理员")
        make("supervisor", Role.SUPERVISOR, "市资助中心 " + self._person())
        make("huazhou", Role.SUPERVISOR, "华州区资助中心 " + self._person(), county=counties["华州区"])
        make("viewer", Role.VIEWER, "市教育局 " + self._person())
        make("inspector", Role.INSPECTOR, self._person(), county=counties["临渭区"])
        for index, (name, _code, _pos) in enumerate(COUNTIES):
            for k in (1, 2):
                make(f"insp{index + 1:02d}{k}", Role.INSPECTOR, self._person(), county=counties[name])

    # --- checklist ------------------------------------------------------------------------------
    def checklist(self) -> ChecklistVersion:
        """The shipped checklist, published before the earliest campaign that uses it."""
        forms = Path(current_app.config["FORMS_DIR"])
        with frozen_time(_at(self.today - timedelta(days=240), 10)):
            results = checklist_services.load_directory(forms, actor=self.users["admin"], publish=True)
        return next(v for v, _created in results if v.checklist.form_id == "student_aid_cross_check")

    def conflicts(self, by_county: dict[str, list[School]]) -> None:
        """Two declared conflicts: the planner never sends these inspectors to these schools."""
        with frozen_time(_at(self.today - timedelta(days=100), 10)):
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
        at = rows["D9_photo"][0] + 1
        revised = "\n".join(lines[:at] + added + lines[at:]) + "\n"
        revised = (revised.replace("公办普高3%–5%", "公办普通高中3%–5%")
                   .replace(f"| {version.version}  |", "| 2026.2  |"))
        with frozen_time(_at(self.today - timedelta(days=2), 15)):
            draft, _created = checklist_services.import_checklist(
                revised.encode(), filename=version.source_name, actor=self.users["admin"])
        return draft

    # --- the main cross-inspection ---------------------------------------------------------------
    def main_campaign(self, version: ChecklistVersion, by_county: dict[str, list[School]]) -> Campaign:
        today = self.today
        starts, ends = today - timedelta(days=75), today - timedelta(days=45)
        term, season = _term(starts)
        supervisor = self.users["supervisor"]
        with frozen_time(_at(starts - timedelta(days=10), 9)):
            campaign = campaign_services.create_campaign(
                code=f"{MAIN_CODE_PREFIX}{starts.year}{season}",
                name=f"{term}学生资助工作交叉检查",
                term=term,
                checklist_version=version,
                default_due_on=today + timedelta(days=25),
                starts_on=starts,
                ends_on=ends,
                actor=supervisor,
            )
            # 108 schools: a sample stratified by county and level, reproducible from its seed.
            sample = campaign_services.draw_sample(
                campaign, campaign_services.SampleRequest(seed=MAIN_SEED, size=N_SCHOOLS_INSPECTED))
            campaign_services.apply_sample(campaign, sample, actor=supervisor)
            # Cross-inspection: eleven teams, each pairing inspectors of two neighbouring counties;
            # the planner keeps them out of their own counties, evens out the work and sets the days.
            self.teams(campaign, supervisor)
            campaign_services.auto_assign(campaign, actor=supervisor)
            visits = list(db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)
                                             .order_by(Visit.id)))
            assert len(visits) == N_SCHOOLS_INSPECTED
            campaign_services.start_campaign(campaign, actor=supervisor)
        self._field_work(campaign, visits, version)
        return campaign

    def _answer_all(self, visit: Visit, version: ChecklistVersion, fails: dict[str, str],
                    inspector: User, *, partial: int | None = None) -> None:
        for item, value, note in self._answers(visit, version, fails, partial=partial):
            visit_services.save_answer(visit, item, value=value, note=note, actor=inspector)

    def _answers(self, visit: Visit, version: ChecklistVersion, fails: dict[str, str], *,
                 partial: int | None = None) -> list[tuple[ChecklistItem, str, str | None]]:
        """(item, value, note) of every answer an inspector gives; ``fails`` maps failing items to what was found."""
        # The questions every visit answers; the note and photos of an item are asked only when it fails.
        answers: list[tuple[ChecklistItem, str, str | None]] = []
        items = [i for i in version.items
                 if i.type.takes_answer and i.repeat_id is None and i.detail_of_id is None]
        if partial is not None:
            items = items[:partial]
        enrolled = self.rnd.randint(120, 1800)
        for item in items:
            if item.type == ItemType.IMAGE:
                continue
            note = None
            if item.name in fails:
                value, note = "no", fails[item.name]
                if item.type == ItemType.SELECT_ONE and "no" not in [c["name"] for c in item.choices or []]:
                    value = item.fail_values[0]
            elif item.type == ItemType.SELECT_ONE:
                names = [c["name"] for c in item.choices or []]
                value = "yes" if "yes" in names else names[0]
                if item.section and item.section.name == "I" and self.rnd.random() < 0.3 and "na" in names:
                    value = "na"
            elif item.type == ItemType.DATE:
                value = (visit.planned_on or self.today).isoformat()
            elif item.type == ItemType.INTEGER:
                value = str(enrolled if item.name == "enrolled" else self.rnd.randint(10, min(300, enrolled)))
            elif item.type == ItemType.TEXT:
                value = self._text_answer(item, visit, fails)
            else:
                continue
            note_question = item.note_question
            answers.append((item, value, None if note_question else note))
            if note and note_question is not None:
                answers.append((note_question, note, None))
        return answers

    def _from_tablet(self, visit: Visit, version: ChecklistVersion, fails: dict[str, str], inspector: User,
                     *, device: str, signer: str) -> None:
        """The visit as a tablet sends it: opened on arrival, checked in, answers in batches (one sent twice
        over a bad connection), a photo of each problem, both signatures, submitted."""
        from .media.models import Signer
        from .sync import services as sync_services

        keys = random.Random(visit.id)

        def key() -> str:
            return str(uuid.UUID(int=keys.getrandbits(128), version=4))

        client = sync_services.Client(client_id=device, user_agent=IPAD_USER_AGENT)
        now = utcnow()
        sync_services.open_visit(visit, {"school_id": visit.school_id, "checklist_version_id": version.id,
                                         "started_at": (now - timedelta(hours=2)).isoformat()},
                                 actor=inspector, client=client)
        school = visit.school
        ops: list[dict[str, t.Any]] = []
        if school.latitude is not None and school.longitude is not None:
            ops.append({"op_id": key(), "type": "checkin", "latitude": str(school.latitude + Decimal("0.0003")),
                        "longitude": str(school.longitude - Decimal("0.0002")), "accuracy_m": "9.5",
                        "at": (now - timedelta(hours=2)).isoformat()})
        ops += [{"op_id": key(), "type": "answer", "item_id": item.id, "value": value, "note": note, "base_rev": 0,
                 "client_ts": now.isoformat()} for item, value, note in self._answers(visit, version, fails)]
        half = len(ops) // 2
        first, second = key(), key()
        sync_services.apply_batch(visit, ops[:half], key=first, actor=inspector, client=client)
        sync_services.apply_batch(visit, ops[half:], key=second, actor=inspector, client=client)
        sync_services.apply_batch(visit, ops[half:], key=second, actor=inspector, client=client)
        items = {i.name: i for i in version.items}
        for n, code in enumerate(fails):
            data = _photo(visit.id * 10 + n, f"{school.code} {code}")
            target = sync_services.MediaTarget(visit=visit, kind=AttachmentKind.PHOTO,
                                               item=items[code].photo_question or items[code],
                                               filename=f"IMG_{2040 + n}.jpg")
            sync_services.put_media(key(), data, sha256=hashlib.sha256(data).hexdigest(), target=target,
                                    actor=inspector, client=client)
        for who, name in ((Signer.INSPECTOR, None), (Signer.SCHOOL, signer)):
            data = _signature(visit.id + len(who.value))
            target = sync_services.MediaTarget(visit=visit, kind=AttachmentKind.SIGNATURE, signer=who,
                                               signer_name=name)
            sync_services.put_media(key(), data, sha256=hashlib.sha256(data).hexdigest(), target=target,
                                    actor=inspector, client=client)
        sync_services.submit(visit, key=key(), actor=inspector, client=client)

    def _parallel_edit(self, visit: Visit, version: ChecklistVersion, colleague: User) -> None:
        """A team member's tablet, offline all morning, sends its own count of an answer the leader gave."""
        from .sync import services as sync_services

        answered = visit_services.visit_answers(visit)
        item = next(i for i in version.items if i.type == ItemType.INTEGER and (i.id, None) in answered)
        value = str(int(answered[(item.id, None)].value or 0) + 4)
        sync_services.apply_batch(
            visit, [{"op_id": str(uuid.UUID(int=visit.id, version=4)), "type": "answer", "item_id": item.id,
                     "value": value, "note": None, "base_rev": 0, "client_ts": utcnow().isoformat()}],
            key=f"demo-{visit.id}", actor=colleague,
            client=sync_services.Client(client_id="6d1f0c2a-tablet-b", user_agent=IPAD_USER_AGENT))

    def _text_answer(self, item: ChecklistItem, visit: Visit, fails: dict[str, str]) -> str:
        if item.name == "school_head":
            return self._person()
        if item.name == "contact_phone":
            return visit.school.contact_phone or ""
        if fails:
            return f"该校资助工作总体有序，发现{len(fails)}个问题，已现场反馈，要求限期整改。"
        return "该校资助工作组织健全、制度完善、发放规范，未发现问题。"

    def _field_work(self, campaign: Campaign, visits: list[Visit], version: ChecklistVersion) -> None:
        items = {i.name: i for i in version.items}
        order = list(visits)
        self.rnd.shuffle(order)
        confirmed_targets = order[:len(PROBLEMS)]
        dismissed_targets = order[len(PROBLEMS):len(PROBLEMS) + len(DISMISSED)]
        # The demo school account's school carries three problems with different outcomes.
        demo_school_visit = confirmed_targets[0]
        fails_by_visit: dict[int, dict[str, str]] = {}
        plans: dict[tuple[int, str], Plan] = {}
        for index, (code, note) in enumerate(PROBLEMS):
            visit = demo_school_visit if index in (0, 13, 19) else confirmed_targets[index]
            fails_by_visit.setdefault(visit.id, {})[code] = note
            plans[(visit.id, code)] = OUTCOMES[index]
        dismissed: dict[tuple[int, str], str] = {}
        for visit, (code, note, reason) in zip(dismissed_targets, DISMISSED, strict=True):
            fails_by_visit.setdefault(visit.id, {})[code] = note
            dismissed[(visit.id, code)] = reason
        self.demo_school = demo_school_visit.school
        # The schools with problems have their contact accounts before the problems are confirmed.
        assert campaign.starts_on is not None
        with frozen_time(_at(campaign.starts_on, 8)):
            for visit in confirmed_targets:
                self._school_contact(visit.school)
        supervisor = self.users["supervisor"]
        photo_seed = 0
        for visit in visits:
            day = visit.planned_on or self.today
            inspector = visit.assignments[0].user
            fails = fails_by_visit.get(visit.id, {})
            with frozen_time(_at(day, 9, 30)):
                school = visit.school
                if school.latitude is not None and school.longitude is not None:
                    visit_services.check_in(visit, latitude=school.latitude + Decimal("0.0004"),
                                            longitude=school.longitude - Decimal("0.0003"),
                                            accuracy_m=Decimal("12"), actor=inspector)
            with frozen_time(_at(day, 11, 40)):
                self._answer_all(visit, version, fails, inspector)
                for code in fails:
                    photo_seed += 1
                    photo = _photo(photo_seed, f"{visit.school.code} {code}")
                    media_services.add_visit_photo(visit, items[code].photo_question or items[code], photo,
                                                   filename=f"IMG_{photo_seed:04d}.jpg", actor=inspector)
            with frozen_time(_at(day, 16, 10)):
                findings = visit_services.submit_visit(visit, actor=inspector)
            review_day = day + timedelta(days=3)
            with frozen_time(_at(review_day, 10)):
                for finding in findings:
                    code = finding.item.name if finding.item else ""
                    if (visit.id, code) in dismissed:
                        finding_services.dismiss_finding(finding, reason=dismissed[(visit.id, code)],
                                                         actor=supervisor)
                    else:
                        plan = plans[(visit.id, code)]
                        rect = finding_services.confirm_finding(
                            finding, due_on=self.today + timedelta(days=plan.first_due_in), actor=supervisor,
                        )
                        if code.startswith("D"):
                            # Money problems are the finance office's to fix.
                            rect_services.set_responsible(rect, unit=f"{visit.school.name}财务室",
                                                          person=self._person(), actor=supervisor)
                visit_services.approve_visit(visit, actor=supervisor)
        # Fieldwork is over; rectification goes on after the campaign closes.
        assert campaign.ends_on is not None
        with frozen_time(_at(campaign.ends_on + timedelta(days=5), 17)):
            campaign_services.close_campaign(campaign, actor=supervisor)
        self._rectification(campaign, plans)

    def _rectification(self, campaign: Campaign, plans: dict[tuple[int, str], Plan]) -> None:
        from .findings.models import Finding
        from .findings.models import FindingStatus

        findings = db.session.scalars(
            sa.select(Finding).where(Finding.campaign_id == campaign.id, Finding.status == FindingStatus.CONFIRMED)
            .order_by(Finding.id)
        ).all()
        supervisor = self.users["supervisor"]
        for finding in findings:
            plan = plans[(finding.visit_id, finding.item.name if finding.item else "")]
            rect = finding.rectification
            assert rect is not None
            contact = self._school_contact(finding.school)
            start = min(self.today - timedelta(days=1), max(
                finding.visit.planned_on + timedelta(days=8) if finding.visit.planned_on else self.today,
                self.today - timedelta(days=30)))
            if plan.ext in ("approved", "rejected"):
                self._extension(rect, plan, contact, start)
            if plan.end == "not_started":
                self._pending_extension(rect, plan, contact)
                continue
            measures = (f"针对“{finding.description[:30]}”问题，学校召开专题会议，明确责任人，"
                        "逐项对照政策规定进行整改，完善相关制度和台账。")
            with frozen_time(_at(start, 15)):
                rect_services.save_measures(rect, measures=measures, actor=contact)
            if plan.end == "in_progress":
                continue
            with frozen_time(_at(start + timedelta(days=1), 10)):
                media_services.add_evidence(rect, _photo(finding.id + 500, f"evidence {finding.id}"),
                                            filename="整改照片.jpg", actor=contact)
                if finding.id % 2 == 0:
                    media_services.add_evidence(rect, _scan(finding.id), filename="整改报告.pdf", actor=contact)
                rect_services.submit(rect, actor=contact)
            if plan.end == "submitted":
                continue
            verify_day = min(start + timedelta(days=4), self.today)
            with frozen_time(_at(verify_day, 11)):
                if plan.end == "closed":
                    rect_services.close(rect, note="经现场复核，整改到位，同意销号。", actor=supervisor)
                elif plan.end == "partial":
                    rect_services.mark_partial(rect, note="已完成部分整改，花名册补签仍未完成。", actor=supervisor)
                elif plan.end == "returned":
                    rect_services.return_to_school(rect, reason="佐证材料不足，请补充发放银行回单后重新提交。",
                                                   actor=supervisor)
            self._pending_extension(rect, plan, contact)

    def _extension(self, rect: Rectification, plan: Plan, contact: User, start: date) -> None:
        """The school asks for more time as work starts; the supervisor decides the next morning."""
        with frozen_time(_at(start, 11)):
            proposed = rect.due_on + timedelta(days=APPROVED_EXTENSION_DAYS)
            request = rect_services.request_extension(rect, reason=EXTENSION_REASONS[plan.ext or ""],
                                                      proposed_due_on=proposed, actor=contact)
        with frozen_time(_at(start + timedelta(days=1), 9, 30)):
            if plan.ext == "approved":
                rect_services.approve_extension(request, due_on=proposed, actor=self.users["supervisor"],
                                                note="同意延期，请按新时限完成并及时报送佐证材料。")
            else:
                rect_services.reject_extension(request, actor=self.users["supervisor"],
                                               note="整改时限已充分考虑工作量，请按原定时限完成。")

    def _pending_extension(self, rect: Rectification, plan: Plan, contact: User) -> None:
        if plan.ext != "pending":
            return
        with frozen_time(_at(self.today - timedelta(days=1), 16, 20)):
            rect_services.request_extension(rect, reason=EXTENSION_REASONS["pending"],
                                            proposed_due_on=rect.due_on + timedelta(days=14), actor=contact)

    def _school_contact(self, school: School) -> User:
        if school.id == self.demo_school.id:
            key = "school"
        else:
            key = f"school-{school.code}"
        if key not in self.users:
            self.users[key] = auth_services.create_user(
                key, role=Role.SCHOOL, password=DEMO_PASSWORD, display_name=school.contact_name or school.name,
                school=school, actor=None,
            )
        return self.users[key]

    # --- a second, smaller campaign under way: the inspector's own work for this week -------------
    def current_campaign(self, version: ChecklistVersion, by_county: dict[str, list[School]]) -> Campaign:
        today = self.today
        term, season = _term(today)
        supervisor = self.users["supervisor"]
        with frozen_time(_at(today - timedelta(days=6), 9)):
            campaign = campaign_services.create_campaign(
                code=f"ZX{today.year}{season}", name=f"{term}学前教育资助专项督导", term=term,
                checklist_version=version, default_due_on=today + timedelta(days=45),
                starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=14), actor=supervisor,
            )
            schools = [by_county["华州区"][0], by_county["华州区"][3], by_county["大荔县"][1],
                       by_county["蒲城县"][2], by_county["富平县"][4], by_county["韩城市"][5]]
            visits = campaign_services.add_schools(campaign, schools, actor=supervisor)
            me = self.users["inspector"]
            other = self.users["insp012"]
            ours = campaign_services.save_team(campaign, name="第一检查组", leader=me,
                                               members=[self.users["insp011"]], actor=supervisor)
            theirs = campaign_services.save_team(campaign, name="第二检查组", leader=other, members=[],
                                                 actor=supervisor)
            for k, visit in enumerate(visits):
                campaign_services.assign_team([visit], ours if k != 3 else theirs, actor=supervisor,
                                              planned_on=today + timedelta(days=[0, 0, 1, -2, 3, 7][k]))
            campaign_services.start_campaign(campaign, actor=supervisor)
        # One visit started this morning (a team member's tablet then changed one of its answers), one
        # submitted from a tablet two days ago and awaiting review.
        with frozen_time(_at(today, 9, 15)):
            self._answer_all(visits[1], version, {}, me, partial=12)
        with frozen_time(_at(today, 10, 40)):
            self._parallel_edit(visits[1], version, self.users["insp011"])
        submitted = visits[3]
        with frozen_time(_at(today - timedelta(days=2), 11)):
            self._from_tablet(submitted, version, {
                "C6": "公示材料张贴在校门口，包含学生家庭住址和身份证号。",
                "D4": "亮卡检查发现3名幼儿家长的资助卡由园方代管。",
            }, other, device="3b9e7a14-tablet-a", signer="刘园长")
        return campaign

    # --- an earlier special inspection of disbursement, mostly closed: the dashboard across campaigns ------
    def earlier_campaign(self, version: ChecklistVersion, by_county: dict[str, list[School]]) -> Campaign:
        today = self.today
        starts = today - timedelta(days=200)
        term, season = _term(starts)
        supervisor = self.users["supervisor"]
        with frozen_time(_at(starts - timedelta(days=7), 9)):
            campaign = campaign_services.create_campaign(
                code=f"ZJ{starts.year}{season}", name=f"{term}资助资金发放专项检查", term=term,
                checklist_version=version, default_due_on=starts + timedelta(days=45), starts_on=starts,
                ends_on=starts + timedelta(days=10), actor=supervisor,
            )
            names = [c[0] for c in COUNTIES]
            # Two schools a county; the first twelve visits found a problem each.
            schools = [by_county[name][k + step] for step in (0, 12) for k, name in enumerate(names)]
            visits = campaign_services.add_schools(campaign, schools, actor=supervisor)
            for k, visit in enumerate(visits):
                team = (names.index(visit.school.county.name) + 1) % len(names)
                campaign_services.assign_inspector([visit], self.users[f"insp{team + 1:02d}{1 + k % 2}"],
                                                   actor=supervisor)
                campaign_services.set_planned_date([visit], starts + timedelta(days=k % 10), actor=supervisor)
            campaign_services.start_campaign(campaign, actor=supervisor)
            planned = dict(zip((v.id for v in visits), EARLIER_PROBLEMS, strict=False))
            for visit in visits:
                if visit.id in planned:
                    self._school_contact(visit.school)
        for visit in visits:
            day = visit.planned_on or starts
            inspector = visit.assignments[0].user
            problem = planned.get(visit.id)
            with frozen_time(_at(day, 14)):
                self._answer_all(visit, version, {problem[0]: problem[1]} if problem else {}, inspector)
                findings = visit_services.submit_visit(visit, actor=inspector)
            with frozen_time(_at(day + timedelta(days=2), 10)):
                for finding in findings:
                    finding_services.confirm_finding(finding, due_on=day + timedelta(days=32), actor=supervisor)
                visit_services.approve_visit(visit, actor=supervisor)
            if problem is None:
                continue
            rect = findings[0].rectification
            assert rect is not None
            contact = self._school_contact(visit.school)
            opened = day + timedelta(days=2)
            with frozen_time(_at(opened + timedelta(days=3), 15)):
                rect_services.save_measures(rect, measures="已按政策规定完成整改，补齐相关材料，建立长效机制。",
                                            actor=contact)
            if problem[2] is None:
                continue
            done = opened + timedelta(days=problem[2])
            with frozen_time(_at(done - timedelta(days=2), 10)):
                media_services.add_evidence(rect, _scan(visit.id), filename="整改报告.pdf", actor=contact)
                rect_services.submit(rect, actor=contact)
            with frozen_time(_at(done, 11)):
                rect_services.close(rect, note="资料齐全，整改到位，同意销号。", actor=supervisor)
        with frozen_time(_at(starts + timedelta(days=20), 17)):
            campaign_services.close_campaign(campaign, actor=supervisor)
        return campaign

    # --- reminders and reading: the inboxes of a system that has been running ----------------------------
    def inboxes(self) -> None:
        """Run the daily reminders of the past ten days; everyone has read what came until four days ago."""
        for back in range(9, -1, -1):
            day = self.today - timedelta(days=back)
            with frozen_time(_at(day, 7, 30)):
                reminder_services.create_due_reminders(day)
            if back == 4:
                with frozen_time(_at(day, 18)):
                    for user in db.session.scalars(sa.select(User).order_by(User.id)):
                        notification_services.mark_all_read(actor=user)

    # --- next term's cross-inspection, planned but not started ------------------------------------
    def next_campaign(self, version: ChecklistVersion) -> Campaign:
        """Sampled (open problems always included), teams formed, schools assigned and scheduled."""
        today = self.today
        starts = today + timedelta(days=21)
        term, season = _term(starts)
        supervisor = self.users["supervisor"]
        # The campaign's second working day is kept free (a city-wide meeting): the planner schedules around it.
        meeting = [d for d in (starts + timedelta(days=n) for n in range(9)) if d.weekday() < 5][1]
        with frozen_time(_at(today - timedelta(days=1), 15)):
            campaign = campaign_services.create_campaign(
                code=f"CC{starts.year}{season}", name=f"{term}学生资助工作交叉抽查", term=term,
                checklist_version=version, default_due_on=starts + timedelta(days=75), starts_on=starts,
                ends_on=starts + timedelta(days=27), visits_per_day=3, days_off=[meeting], actor=supervisor,
            )
            sample = campaign_services.draw_sample(campaign, campaign_services.SampleRequest(
                seed=NEXT_SEED, size=88, minimum=1, include_open_problems=True))
            campaign_services.apply_sample(campaign, sample, actor=supervisor)
            self.teams(campaign, supervisor)
            campaign_services.auto_assign(campaign, actor=supervisor)
        return campaign

    def run(self) -> None:
        by_county = self.counties_and_schools()
        self.accounts(by_county)
        self.conflicts(by_county)
        version = self.checklist()
        self.main_campaign(version, by_county)
        self.earlier_campaign(version, by_county)
        current = self.current_campaign(version, by_county)
        self.next_campaign(version)
        self.checklist_revision(version)
        # The funds of the source report's spring semester, and a county's rosters checked yesterday.
        from .rosters import demo as roster_demo

        with frozen_time(_at(self.today - timedelta(days=1), 15)):
            roster_demo.load(city=self.users["supervisor"], county_supervisor=self.users["huazhou"],
                             campaign=current)
        self.inboxes()


def demo_loaded() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(County.name == COUNTIES[0][0]))) or False


def load_demo(today: date | None = None) -> bool:
    """Load the demo world unless it is already there; return whether anything was loaded."""
    if demo_loaded():
        return False
    DemoLoader(today or local_today()).run()
    return True


ACCOUNTS = [
    ("admin", "Administrator / 系统管理员"),
    ("supervisor", "City supervisor / 市资助中心督查管理员"),
    ("huazhou", "County supervisor, 华州区 / 县级督查管理员"),
    ("inspector", "Inspector, home county 临渭区 / 检查员"),
    ("school", "School contact / 学校联络员"),
    ("viewer", "Viewer / 领导（只读）"),
]


@click.command("demo")
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, help="Port to serve on.")
@with_appcontext
def demo_command(no_serve: bool, host: str, port: int) -> None:
    """Create or upgrade the database, load the demo data once, print the accounts and serve."""
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    upgrade()
    if load_demo():
        db.session.commit()
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role in ACCOUNTS:
        click.echo(f"  {username:<12} {role}")
    if no_serve:
        return
    click.echo(f"\nServing on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)  # type: ignore[attr-defined]
