"""Synthetic rosters for the demo and the benchmark: deterministic, valid, and true to the source report.

The city roster of the spring semester pays 99,773 students exactly what the source report says
(funding-and-ids.md §2.2): 高中 27,187 people 27,692,750 yuan (tiers 1250/1000/750, 2,023 more at the top
tier than at the bottom, which is what the total requires), 中职 2,077 × 1000, 初中寄宿 20,693 × 625,
小学寄宿 24,650 × 500 and 学前 25,166 × 375. Identity numbers are valid GB 11643 numbers of the schools'
counties, with birth dates that fit each level. Names are invented.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from ..funds.programmes import Programme
from ..funds.programmes import Semester
from .ids import CHECK_CHARS
from .ids import WEIGHTS

# The source report's spring semester: programme -> (headcount, yuan per tier and how many get it).
REPORT_PAYMENTS: dict[Programme, list[tuple[int, int]]] = {
    Programme.SENIOR: [(1250, 6023), (1000, 17164), (750, 4000)],
    Programme.VOCATIONAL: [(1000, 2077)],
    Programme.JUNIOR_BOARDING: [(625, 20693)],
    Programme.PRIMARY_BOARDING: [(500, 24650)],
    Programme.PRESCHOOL: [(375, 25166)],
}
REPORT_SEMESTER = Semester(2023, False)
# Which schools pay which programme, by the school's level.
LEVEL_PROGRAMMES = {
    "senior": [Programme.SENIOR],
    "complete": [Programme.SENIOR, Programme.JUNIOR_BOARDING],
    "vocational": [Programme.VOCATIONAL],
    "junior": [Programme.JUNIOR_BOARDING],
    "nine_year": [Programme.JUNIOR_BOARDING, Programme.PRIMARY_BOARDING],
    "primary": [Programme.PRIMARY_BOARDING],
    "preschool": [Programme.PRESCHOOL],
}
GRADES = {
    Programme.SENIOR: ["高一", "高二", "高三"],
    Programme.VOCATIONAL: ["一年级", "二年级"],
    Programme.JUNIOR_BOARDING: ["七年级", "八年级", "九年级"],
    Programme.PRIMARY_BOARDING: ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"],
    Programme.PRESCHOOL: ["小班", "中班", "大班"],
}
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("子涵欣怡梓轩浩然宇航思雨佳琪一诺雨泽博文俊杰嘉怡语桐晨阳明轩若曦静怡天佑可馨家豪诗琪")

ROSTER_HEADERS = ["序号", "学校标识码", "学校名称", "学段", "年级", "姓名", "性别", "身份证号", "资助项目", "学期",
                  "档次", "发放金额（元）", "持卡人"]


@dataclass(frozen=True)
class SchoolInfo:
    code: str
    name: str
    county_code: str
    level: str


def valid_ids(rng: np.random.Generator, areas: np.ndarray, births: np.ndarray) -> np.ndarray:
    """Unique, valid 18-character ID numbers for the given area codes and birth dates (datetime64[D])."""
    n = len(areas)
    # The first 17 characters as one number: area (6 digits, never starting with 0), birth date (8) and
    # sequence (3); the same draws and the same numbers as building them as strings, in a fraction of the time.
    days = np.asarray(births, dtype="datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    yyyymmdd = ((years.astype(np.int64) + 1970) * 10000 + (months - years).astype(np.int64) * 100 + 100
                + (days - months).astype(np.int64) + 1)
    prefix = (np.asarray(areas).astype(np.int64) * 10**8 + yyyymmdd) * 1000
    seq = rng.integers(0, 1000, n)
    while True:
        body = prefix + seq
        dup = pd.Series(body).duplicated().to_numpy()
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 1000, int(dup.sum()))
    digits = body[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64) % 10
    check = np.array(list(CHECK_CHARS))[(digits @ WEIGHTS) % 11]
    return np.array([f"{b}{c}" for b, c in zip(body.tolist(), check.tolist(), strict=True)], dtype=object)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    first = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    second = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    two = rng.random(n) < 0.7
    return np.where(two, np.char.add(np.char.add(surname, first), second), np.char.add(surname, first))


def _births(rng: np.random.Generator, programme: Programme, n: int, semester: Semester) -> np.ndarray:
    low, high = programme.ages
    start = semester.starts_on
    # Born between (high + 1) years and low years before the semester starts, i.e. aged low..high.
    latest = start.replace(year=start.year - low) - timedelta(days=1)
    earliest = start.replace(year=start.year - high - 1) + timedelta(days=1)
    span = (latest - earliest).days
    offsets = rng.integers(0, span + 1, n)
    return np.datetime64(earliest, "D") + offsets.astype("timedelta64[D]")


def city_roster(schools: t.Sequence[SchoolInfo], *, semester: Semester = REPORT_SEMESTER,
                payments: dict[Programme, list[tuple[int, int]]] | None = None, seed: int = 2023) -> pd.DataFrame:
    """A disbursement roster with the report's headcounts and amounts spread over ``schools``."""
    rng = np.random.default_rng(seed)
    payments = payments or REPORT_PAYMENTS
    parts = []
    for programme, tiers in payments.items():
        eligible = [s for s in schools if programme in LEVEL_PROGRAMMES.get(s.level, [])]
        if not eligible:
            raise ValueError(f"no school pays {programme.zh}")
        n = sum(count for _amount, count in tiers)
        weights = rng.uniform(0.6, 1.4, len(eligible))
        which = rng.choice(len(eligible), size=n, p=weights / weights.sum())
        order = np.argsort(which, kind="stable")
        which = which[order]
        amounts = np.concatenate([np.full(count, amount) for amount, count in tiers])
        tier_no = np.concatenate([np.full(count, i + 1) for i, (_amount, count) in enumerate(tiers)])
        shuffle = rng.permutation(n)
        amounts, tier_no = amounts[shuffle], tier_no[shuffle]
        births = _births(rng, programme, n, semester)
        areas = np.array([eligible[i].county_code for i in which])
        ids = valid_ids(rng, areas, births)
        names = _names(rng, n)
        grades = np.array(GRADES[programme])[rng.integers(0, len(GRADES[programme]), n)]
        parts.append(pd.DataFrame({
            "学校标识码": [eligible[i].code for i in which],
            "学校名称": [eligible[i].name for i in which],
            "学段": programme.level_zh,
            "年级": grades,
            "姓名": names,
            "性别": "",
            "身份证号": ids,
            "资助项目": programme.zh,
            "学期": semester.long_zh,
            "档次": [("一档", "二档", "三档")[k - 1] if len(tiers) > 1 else "" for k in tier_no],
            "发放金额（元）": amounts.astype(np.int64),
            "持卡人": names,
        }))
    roster = pd.concat(parts, ignore_index=True)
    # IDs must be unique across programmes too.
    dup = roster["身份证号"].duplicated()
    while dup.any():
        births = pd.to_datetime(roster.loc[dup, "身份证号"].str[6:14], format="%Y%m%d").to_numpy().astype(
            "datetime64[D]")
        areas = roster.loc[dup, "身份证号"].str[:6].to_numpy()
        roster.loc[dup, "身份证号"] = valid_ids(rng, areas, births)
        dup = roster["身份证号"].duplicated()
    roster["性别"] = np.where(roster["身份证号"].str[16].astype(int) % 2 == 1, "男", "女")
    roster.insert(0, "序号", np.arange(1, len(roster) + 1))
    return roster[ROSTER_HEADERS]


def system_export(roster: pd.DataFrame) -> pd.DataFrame:
    """The national system's view of a roster, in its own column names."""
    return pd.DataFrame({
        "学校名称": roster["学校名称"], "学校标识码": roster["学校标识码"], "学生姓名": roster["姓名"],
        "身份证件号": roster["身份证号"], "项目名称": roster["资助项目"], "资助学期": roster["学期"],
        "资助金额": roster["发放金额（元）"],
    })


def enrolment_list(roster: pd.DataFrame, extra: int, rng: np.random.Generator,
                   schools: t.Sequence[SchoolInfo], semester: Semester = REPORT_SEMESTER) -> pd.DataFrame:
    """Every recipient enrolled where they are paid, plus ``extra`` students who receive nothing."""
    listed = pd.DataFrame({
        "全国学籍号": "G" + roster["身份证号"], "姓名": roster["姓名"], "身份证件号": roster["身份证号"],
        "学校名称": roster["学校名称"], "学校标识码": roster["学校标识码"], "学籍状态": "在籍",
    })
    if extra:
        by_level = [s for s in schools if s.level in ("primary", "junior", "senior")]
        which = rng.integers(0, len(by_level), extra)
        programmes = [LEVEL_PROGRAMMES[by_level[i].level][0] for i in which]
        births = np.concatenate([_births(rng, p, 1, semester) for p in programmes])
        ids = valid_ids(rng, np.array([by_level[i].county_code for i in which]), births)
        ids = ids[~pd.Series(ids).isin(set(roster["身份证号"])).to_numpy()]
        which = which[:len(ids)]
        listed = pd.concat([listed, pd.DataFrame({
            "全国学籍号": ["G" + x for x in ids], "姓名": _names(rng, len(ids)), "身份证件号": ids,
            "学校名称": [by_level[i].name for i in which], "学校标识码": [by_level[i].code for i in which],
            "学籍状态": "在籍",
        })], ignore_index=True)
    return listed


def totals_by_programme(roster: pd.DataFrame) -> dict[Programme, tuple[int, int]]:
    """Headcount and yuan per programme of a roster in the layout above."""
    out = {}
    for name, group in roster.groupby("资助项目"):
        programme = next(p for p in Programme if p.zh == name)
        out[programme] = (len(group), int(group["发放金额（元）"].sum()))
    return out


def school_infos(rows: t.Iterable[tuple[str, str, str, str]]) -> list[SchoolInfo]:
    return [SchoolInfo(code, name, county_code, level) for code, name, county_code, level in rows]
