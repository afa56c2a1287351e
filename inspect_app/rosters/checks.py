"""The reconciliation checks (精准比对): pure functions from tables to discrepancies.

Every check has a stable code, a severity and a rule stated in words (:data:`CHECKS`). The
checks look only at the rows of the semester being checked; rows of other semesters are
counted and left alone. People are matched by their normalised ID number, or by their student
number (学籍号) where a row has no ID number; a student number ``G`` + ID number counts as that
ID number.

:func:`run_checks` takes the tables read by :mod:`.readers`, the standards and the reported
figures as values, and returns a :class:`CheckResult`; it touches neither the database nor
the files, so the command line, the web job and the tests all run the same code.
"""

from __future__ import annotations

import re
import typing as t

import numpy as np
import pandas as pd

from ..funds.programmes import Programme
from ..funds.programmes import Semester
from ..funds.programmes import fold
from ..funds.programmes import fold_series
from ..funds.standards import StandardsTable
from . import ids as idnum
from .cells import map_unique
from .frames import ACTIVE_STATUSES
from .frames import COLUMNS
from .frames import CheckInputs
from .frames import CheckResult
from .frames import Out
from .frames import grouped_rows
from .frames import prepare
from .frames import prepare_reported
from .frames import prepare_specials
from .frames import records
from .frames import tier_amount
from .matching import PROGRAMMES
from .matching import compare_system
from .matching import first_occurrences
from .matching import sums
from .rules import CHECKS
from .rules import CHECKS_VERSION
from .rules import Check
from .rules import Severity
from .rules import describe
from .rules import rule_text
from .rules import title
from .rules import yuan

# The catalogue of :mod:`.rules` is read through this module too.
__all__ = ["ACTIVE_STATUSES", "CHECKS", "CHECKS_VERSION", "COLUMNS", "PRECISION_CODES", "Check", "CheckInputs",
           "CheckResult", "Severity", "describe", "precision_counts", "roster_totals", "rule_text", "run_checks",
           "title", "yuan"]

#: The checks whose discrepancy means a paid person was paid in error — the wrong person, twice, the wrong
#: amount or tier — or cannot be verified at all (an ID number that is no ID number). A paid person with
#: none of these counts as paid precisely (资助精准率; docs/rosters.md). Warnings are left out: they are
#: worth a look but not necessarily wrong. So are the checks about people not on the roster
#: (ROSTER_MISSING, SPECIAL_UNCOVERED) and about a school's totals (REPORTED_*), which name no paid person.
PRECISION_CODES = frozenset({
    "ID_FORMAT", "ID_CHECKSUM", "ID_DATE", "DUP_SCHOOL", "DUP_CROSS", "DUP_EXCLUSIVE", "AMOUNT_STANDARD",
    "SYS_MISSING", "SYS_PROGRAMME", "SYS_AMOUNT", "NOT_ENROLLED", "SPECIAL_TIER",
})


def _id_checks(roster: pd.DataFrame, semester: Semester, out: Out) -> None:
    has_id = roster["has_id"].to_numpy(dtype=bool)
    problems = roster["id_problem"].to_numpy(dtype=object)
    for problem, code in ((idnum.FORMAT, "ID_FORMAT"), (idnum.CHECKSUM, "ID_CHECKSUM"), (idnum.DATE, "ID_DATE"),
                          (idnum.AREA, "ID_AREA")):
        out.add_rows(code, roster, "roster",
                     lambda r: {"value": r.key, **({"expected": r.id_expected} if r.id_expected else {})},
                     at=np.flatnonzero(has_id & (problems == problem)), extra=("id_expected",))
    out.add_rows("ID_MISSING", roster, "roster", lambda r: {"student_no": r.student_no}, at=np.flatnonzero(~has_id),
                 extra=("student_no",))
    born = roster["born"].to_numpy(dtype=np.int64)  # yyyymmdd, -1 where there is no birth date
    programme = roster["pc"].to_numpy(dtype=np.int64)
    dated = np.flatnonzero((born >= 0) & (programme >= 0))
    if len(dated):
        start = semester.starts_on
        # Whole years of age at the start of the semester.
        ages = start.year - born[dated] // 10000 - (born[dated] % 10000 > start.month * 100 + start.day)
        low = np.array([p.ages[0] for p in Programme], dtype=np.int64)[programme[dated]]
        high = np.array([p.ages[1] for p in Programme], dtype=np.int64)[programme[dated]]
        odd = (ages < low) | (ages > high)
        for row, age in zip(records(roster, dated[odd]), ages[odd].tolist(), strict=True):
            out.add("ID_AGE", school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                    programme=row.programme, cents=int(row.cents),
                    params={"age": int(age), "low": row.programme.ages[0], "high": row.programme.ages[1],
                            "level": row.programme.level_zh}, rows={"roster": [int(row.row)]})
    if "sex_given" in roster and roster["sex_given"].to_numpy(dtype=bool).any():
        stated = roster["sex_male"].to_numpy(dtype=np.int8)
        known = (stated >= 0) & (born >= 0)
        wrong = np.flatnonzero(known & (stated != roster["male"].to_numpy(dtype=np.int8)))
        out.add_rows("ID_SEX", roster, "roster", lambda r: {"roster": r.sex, "id": "男" if r.male else "女"},
                     at=wrong, extra=("sex", "male"))


def _duplicates(roster: pd.DataFrame, out: Out) -> None:
    # Who appears twice is found on integer codes of (person, programme); only those rows become frames.
    keyed = np.flatnonzero(roster["keyed"].to_numpy(dtype=bool))
    person = roster["kc"].to_numpy(dtype=np.int64)[keyed]
    programme = roster["pc"].to_numpy(dtype=np.int64)[keyed] + 1
    pair, _pairs = pd.factorize(person * (len(Programme) + 1) + programme)
    multi = roster.iloc[keyed[np.bincount(pair)[pair] > 1]] if len(keyed) else roster.iloc[:0]
    if len(multi):
        per_school = grouped_rows(multi, ["key", "programme", "school_key"])
        schools_of: dict[tuple[str, Programme], list[str]] = {}
        for row in per_school.itertuples(index=False):
            schools_of.setdefault((row.key, row.programme), []).append(row.schools[0])
        for row in per_school.itertuples(index=False):
            programme = row.programme
            all_labels = schools_of[(row.key, programme)]
            if len(all_labels) == 1:
                out.add("DUP_SCHOOL", school=row.schools[0], school_key=row.school_key, key=row.key,
                        name=row.names[0], programme=programme, cents=int(row.cents),
                        params={"n": int(row.n), "programme": programme.zh}, rows={"roster": row.rows})
            else:
                others = [s for s in dict.fromkeys(all_labels) if s != row.schools[0]]
                out.add("DUP_CROSS", school=row.schools[0], school_key=row.school_key, key=row.key,
                        name=row.names[0], programme=programme, cents=int(row.cents),
                        params={"programme": programme.zh, "others": others}, rows={"roster": row.rows})
    firsts = first_occurrences(pair)  # the first row of each person and programme
    first_person = person[firsts]
    several_at = firsts[np.bincount(first_person)[first_person] > 1] if len(firsts) else firsts
    if len(several_at):
        several = roster.iloc[keyed[several_at]]
        programmes = several.groupby("key")["programme"].agg(lambda s: [p.zh for p in s])
        members = roster.iloc[keyed[np.isin(person, person[several_at])]]
        for row in grouped_rows(members, ["key", "school_key"]).itertuples(index=False):
            out.add("DUP_EXCLUSIVE", school=row.schools[0], school_key=row.school_key, key=row.key,
                    name=row.names[0], cents=int(row.cents), params={"programmes": programmes[row.key]},
                    rows={"roster": row.rows})


def _amounts(roster: pd.DataFrame, semester: Semester, standards: StandardsTable, out: Out) -> None:
    codes = roster["pc"].to_numpy(dtype=np.int64)
    cents = roster["cents"].to_numpy(dtype=np.int64)
    tier_numbers = roster["tier_no"].to_numpy(dtype=np.int64) if "tier_no" in roster else None
    for code in pd.unique(codes[codes >= 0]).tolist():  # programmes in order of appearance, as groupby does
        programme = PROGRAMMES[code]
        at = np.flatnonzero(codes == code)
        tiers = standards.tiers(programme, semester)
        if not tiers:
            rows = roster.iloc[at]
            for (label, key), group in rows.groupby(["school_label", "school_key"], sort=False):
                out.add("STANDARD_MISSING", school=label, school_key=key, programme=programme,
                        params={"n": len(group), "programme": programme.zh, "semester": str(semester)},
                        rows={"roster": group["row"].tolist()})
            continue
        allowed = sorted({s.cents for s in tiers})
        by_tier = {s.tier: s.cents for s in tiers}
        tier = tier_numbers[at] if tier_numbers is not None else np.full(len(at), -1, dtype=np.int64)
        named = tier >= 0
        # The standard's amount of each tier number named (-1 where the standard has no such tier).
        amount_of = np.full(int(tier.max(initial=-1)) + 2, -1, dtype=np.int64)
        for number in np.unique(tier[named]).tolist():
            found = tier_amount(by_tier, number)
            amount_of[number] = -1 if found is None else found
        expected = amount_of[tier]  # a row naming no tier reads the last, -1
        wrong_named = named & ((expected < 0) | (expected != cents[at]))
        wrong_plain = ~named & ~np.isin(cents[at], allowed)
        bad = wrong_named | wrong_plain
        for row, exp in zip(records(roster, at[bad], ("tier",)), expected[bad].tolist(), strict=True):
            params: dict[str, t.Any] = {"cents": int(row.cents), "allowed": allowed, "programme": programme.zh,
                                        "semester": str(semester)}
            if row.tier is not None and not pd.isna(row.tier):
                params.update(tier=int(row.tier), expected=None if exp < 0 else int(exp))
            out.add("AMOUNT_STANDARD", school=row.school_label, school_key=row.school_key, key=row.key,
                    name=row.name, programme=programme, cents=int(row.cents), params=params,
                    rows={"roster": [int(row.row)]})


def _enrolment(roster: pd.DataFrame, enrolment: pd.DataFrame, out: Out) -> None:
    listed = enrolment[enrolment["key"] != ""].drop_duplicates("key").set_index("key")
    keyed = roster[roster["key"] != ""]
    absent = keyed[~keyed["key"].isin(listed.index)]
    out.add_rows("NOT_ENROLLED", absent, "roster", lambda r: {})
    present = keyed[keyed["key"].isin(listed.index)]
    if present.empty:
        return
    info = listed.loc[present["key"]]
    status = map_unique(info["status"].astype(str), fold).to_numpy()
    inactive = (status != "") & ~pd.Series(status).isin(ACTIVE_STATUSES).to_numpy()
    for row, st, erow in zip(present[inactive].itertuples(index=False), info["status"].to_numpy()[inactive],
                             info["row"].to_numpy()[inactive], strict=True):
        out.add("NOT_ENROLLED", school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                programme=row.programme, cents=int(row.cents), params={"status": st},
                rows={"roster": [int(row.row)], "enrolment": [int(erow)]})
    their_school = info["school_key"].to_numpy()
    moved = ~inactive & (their_school != "") & (present["school_key"].to_numpy() != "") & (
        their_school != present["school_key"].to_numpy())
    for row, label, erow in zip(present[moved].itertuples(index=False), info["school_label"].to_numpy()[moved],
                                info["row"].to_numpy()[moved], strict=True):
        out.add("ENROL_SCHOOL", school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                programme=row.programme, cents=int(row.cents), params={"school": label},
                rows={"roster": [int(row.row)], "enrolment": [int(erow)]})


def _specials(roster: pd.DataFrame, specials: list[tuple[str, str, pd.DataFrame]], enrolment: pd.DataFrame | None,
              semester: Semester, standards: StandardsTable, out: Out) -> pd.DataFrame:
    """Check the special-group lists against the roster; returns the people in scope (entitled), one row each."""
    frames = []
    for label, group, frame in specials:
        part = frame[frame["key"] != ""][["key", "row", "name", "school_label", "school_key", "birth"]].copy()
        part["label"], part["group"] = label, group
        frames.append(part)
    if not frames:
        return pd.DataFrame({"school": [], "school_key": []}, dtype=object)
    listed = pd.concat(frames, ignore_index=True)
    people = listed.groupby("key", sort=False).agg(
        groups=("group", lambda s: list(dict.fromkeys(s))), name=("name", "first"),
        school=("school_label", "first"), school_key=("school_key", "first"), birth=("birth", "first"),
        where=("label", list), rows=("row", list),
    )
    roster_schools = set(roster["school_key"]) - {""}
    if enrolment is not None:
        enrolled = enrolment[enrolment["key"] != ""].drop_duplicates("key").set_index("key")
        status = map_unique(enrolled["status"].astype(str), fold)
        active = enrolled[(status == "") | status.isin(ACTIVE_STATUSES)]
        if (active["school_key"] != "").any():
            active = active[active["school_key"].isin(roster_schools)]
        in_scope = people.index.isin(active.index)
        # Where the enrolment list says where they are, that school is theirs.
        school = active["school_label"].reindex(people.index)
        school_key = active["school_key"].reindex(people.index)
        use = in_scope & school.notna().to_numpy() & (school_key.fillna("") != "").to_numpy()
        people.loc[use, "school"] = school[use]
        people.loc[use, "school_key"] = school_key[use]
        enrol_rows = active["row"].reindex(people.index)
    elif (people["school_key"] != "").any():
        in_scope = people["school_key"].isin(roster_schools).to_numpy()
        enrol_rows = None
    else:
        ages = idnum.ages_on(people["birth"], semester.starts_on)
        in_scope = ((ages >= 3) & (ages <= 20)).to_numpy()
        enrol_rows = None
    paid = roster[roster["key"] != ""]
    uncovered = people[in_scope & ~people.index.isin(set(paid["key"]))]
    for key, row in uncovered.iterrows():
        rows: dict[str, list[int]] = {}
        for label, number in zip(row["where"], row["rows"], strict=True):
            rows.setdefault(label, []).append(int(number))
        if enrol_rows is not None and not pd.isna(enrol_rows.get(key)):
            rows["enrolment"] = [int(enrol_rows[key])]
        out.add("SPECIAL_UNCOVERED", school=row["school"], school_key=row["school_key"], key=str(key),
                name=row["name"], params={"groups": row["groups"]}, rows=rows)
    covered = paid[paid["key"].isin(people.index)]
    for row in covered.itertuples(index=False):
        top = standards.top_cents(row.programme, semester)
        if top is None or row.cents >= top:
            continue
        who = people.loc[row.key]
        rows = {"roster": [int(row.row)]}
        for label, number in zip(who["where"], who["rows"], strict=True):
            rows.setdefault(label, []).append(int(number))
        out.add("SPECIAL_TIER", school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                programme=row.programme, cents=int(row.cents),
                params={"groups": who["groups"], "cents": int(row.cents), "top": int(top)}, rows=rows)
    return people[in_scope][["school", "school_key"]]


def precision_counts(roster: pd.DataFrame, discrepancies: list[dict[str, t.Any]],
                     entitled: pd.DataFrame | None) -> list[dict[str, t.Any]]:
    """Per school: ``paid`` (distinct people on the roster), ``erroneous`` (of them, those with a discrepancy of
    :data:`PRECISION_CODES` at that school), ``entitled`` (special-group members in scope, at the school the
    list or the enrolment list gives) and ``uncovered`` (of them, those the roster does not pay anywhere).

    A person paid at two schools counts at each. ``entitled`` is None when no special-group list was checked.
    """
    keyed = np.flatnonzero(roster["keyed"].to_numpy(dtype=bool))
    school = roster["sc"].to_numpy(dtype=np.int64)[keyed]
    person = roster["kc"].to_numpy(dtype=np.int64)[keyed]
    pair, _pairs = pd.factorize(person * (int(school.max(initial=0)) + 1) + school)
    people = keyed[first_occurrences(pair)]  # the first row of each person at each school
    schools: dict[str, dict[str, t.Any]] = {}

    def entry(school_key: str, label: str) -> dict[str, t.Any]:
        return schools.setdefault(school_key, {
            "school": label, "school_key": school_key, "paid": 0, "erroneous": 0,
            "entitled": 0 if entitled is not None else None, "uncovered": 0 if entitled is not None else None})

    codes = roster["sc"].to_numpy(dtype=np.int64)[people]
    paid = np.bincount(codes) if len(codes) else np.zeros(0, dtype=np.int64)
    firsts = people[first_occurrences(pd.factorize(codes)[0])]  # the first of them at each school
    for row in records(roster, firsts, ("sc",)):
        entry(row.school_key, row.school_label)["paid"] += int(paid[row.sc])
    wanted = {(d["school_key"], d["key"]) for d in discrepancies if d["code"] in PRECISION_CODES}
    if wanted:
        keys = roster["key"].to_numpy(dtype=object)
        hit = keyed[_rows_keyed(roster, keyed, {key for _school, key in wanted})]
        school_keys = roster["school_key"].to_numpy(dtype=object)
        paid_at = set(zip(school_keys[hit].tolist(), keys[hit].tolist(), strict=True))
        for school_key, _key in wanted & paid_at:
            schools[school_key]["erroneous"] += 1
    if entitled is not None and len(entitled):
        paid_keys = set(roster["key"].to_numpy(dtype=object)[keyed].tolist())
        for key, row in entitled.iterrows():
            school = entry(str(row["school_key"] or ""), str(row["school"] or ""))
            school["entitled"] += 1
            if key not in paid_keys:
                school["uncovered"] += 1
    return sorted(schools.values(), key=lambda e: e["school_key"])


def _rows_keyed(roster: pd.DataFrame, keyed: np.ndarray, keys: set[str]) -> np.ndarray:
    """Which of the rows ``keyed`` have one of ``keys``: the keys that are ID numbers compared as integers."""
    idents = roster["ki"].to_numpy(dtype=np.int64)[keyed]
    numbers = [int(k[:17]) * 11 + (10 if k[17] == "X" else int(k[17])) for k in keys if _WELL_FORMED.fullmatch(k)]
    found = np.isin(idents, np.array(numbers, dtype=np.int64))
    others = np.flatnonzero(idents < 0)
    if len(others):
        found[others] = pd.Series(roster["key"].to_numpy(dtype=object)[keyed[others]], dtype=object).isin(keys)
    return found


_WELL_FORMED = re.compile(r"[0-9]{17}[0-9X]")


def roster_totals(roster: pd.DataFrame) -> pd.DataFrame:
    """Headcount and sum per school and programme, in the order each first appears."""
    programme = roster["pc"].to_numpy(dtype=np.int64)
    counted = np.flatnonzero(programme >= 0)
    group, _pairs = pd.factorize(roster["sc"].to_numpy(dtype=np.int64)[counted] * (len(Programme) + 1)
                                 + programme[counted])
    heads = counted[first_occurrences(group)]
    return pd.DataFrame({
        "school_key": roster["school_key"].to_numpy(dtype=object)[heads],
        "programme": roster["programme"].to_numpy(dtype=object)[heads],
        "school": roster["school_label"].to_numpy(dtype=object)[heads],
        "headcount": np.bincount(group, minlength=len(heads)).astype(np.int64),
        "cents": sums(group, roster["cents"].to_numpy(dtype=np.int64)[counted], len(heads)),
    })


def _reported(totals: pd.DataFrame, reported: pd.DataFrame, out: Out) -> None:
    theirs = reported.groupby(["school_key", "programme"], sort=False).agg(
        school_r=("school_label", "first"), headcount_r=("headcount", "sum"), cents_r=("cents", "sum"),
        rows_r=("row", list),
    ).reset_index()
    # Only the schools whose roster is checked: a county's or the city's reported figures cover more.
    theirs = theirs[theirs["school_key"].isin(set(totals["school_key"]))]
    merged = totals.merge(theirs, on=["school_key", "programme"], how="outer")
    for row in merged.itertuples(index=False):
        school = row.school if isinstance(row.school, str) else row.school_r
        mine_n = 0 if pd.isna(row.headcount) else int(row.headcount)
        mine_c = 0 if pd.isna(row.cents) else int(row.cents)
        their_n = 0 if pd.isna(row.headcount_r) else int(row.headcount_r)
        their_c = 0 if pd.isna(row.cents_r) else int(row.cents_r)
        rows = {"reported": row.rows_r} if isinstance(row.rows_r, list) else {}
        if mine_n != their_n:
            out.add("REPORTED_COUNT", school=school, school_key=row.school_key, programme=row.programme,
                    params={"programme": row.programme.zh, "roster": mine_n, "reported": their_n}, rows=rows)
        if mine_c != their_c:
            out.add("REPORTED_TOTAL", school=school, school_key=row.school_key, programme=row.programme,
                    cents=mine_c - their_c,
                    params={"programme": row.programme.zh, "roster": mine_c, "reported": their_c}, rows=rows)


def _filled(roster: pd.DataFrame, key: str) -> bool:
    """Whether any row has text in the column (a first filled cell answers at once)."""
    values = roster[key].to_numpy(dtype=object)
    return bool(len(values)) and (values[0] != "" or bool((values != "").any()))


def _cards(roster: pd.DataFrame, out: Out) -> None:
    if _filled(roster, "card_holder"):
        holder, name = roster["card_holder"].to_numpy(dtype=object), roster["name"].to_numpy(dtype=object)
        # Where the two cells are equal their folded forms are too: only the others are folded.
        differ = np.flatnonzero(holder != name)
        folded_holder = fold_series(pd.Series(holder[differ], dtype=object)).to_numpy(dtype=object)
        folded_name = fold_series(pd.Series(name[differ], dtype=object)).to_numpy(dtype=object)
        out.add_rows("CARD_HOLDER", roster, "roster", lambda r: {"holder": r.card_holder},
                     at=differ[(folded_holder != "") & (folded_holder != folded_name)], extra=("card_holder",))
    if _filled(roster, "card_no"):
        cards = roster[roster["card_no"] != ""].copy()
        cards["card"] = fold_series(cards["card_no"])
        people = cards.groupby("card")["key"].nunique()
        shared = people[people > 1]
        if len(shared):
            hit = cards[cards["card"].isin(shared.index)]
            for (card, school_key), group in hit.groupby(["card", "school_key"], sort=False):
                out.add("CARD_SHARED", school=group["school_label"].iloc[0], school_key=school_key,
                        key=group["key"].iloc[0], name="、".join(dict.fromkeys(group["name"])),
                        params={"card": card, "n": int(shared[card])}, rows={"roster": group["row"].tolist()})


def _key_codes(roster: pd.DataFrame, system: pd.DataFrame | None) -> None:
    """``kc``: one integer per key, the same in both frames. Keys that are well-formed ID numbers are coded by
    their integer form (``ki``); the others (student numbers, malformed numbers) by their text."""
    frames = [roster] if system is None else [roster, system]
    idents = np.concatenate([frame["ki"].to_numpy(dtype=np.int64) for frame in frames])
    codes = np.empty(len(idents), dtype=np.int64)
    numbered = idents >= 0
    codes[numbered], seen = pd.factorize(idents[numbered])
    others = np.flatnonzero(~numbered)
    if len(others):
        keys = np.concatenate([frame["key"].to_numpy(dtype=object) for frame in frames])
        codes[others] = pd.factorize(keys[others])[0] + len(seen)
    for frame, part in zip(frames, np.split(codes, [len(roster)]), strict=False):
        frame["kc"] = part


def run_checks(inputs: CheckInputs) -> CheckResult:
    """Run every check the inputs allow and return the discrepancies."""
    semester = inputs.semester
    result = CheckResult(discrepancies=[], semester=semester)
    out = Out()
    roster = prepare(inputs.roster, semester, inputs.today, result, "roster")
    checked = ["ID_FORMAT", "ID_CHECKSUM", "ID_DATE", "ID_AREA", "ID_AGE", "ID_MISSING", "DUP_SCHOOL", "DUP_CROSS",
               "DUP_EXCLUSIVE", "AMOUNT_STANDARD", "STANDARD_MISSING"]
    system = (prepare(inputs.system, semester, inputs.today, result, "system", id_rules=False)
              if inputs.system is not None else None)
    _key_codes(roster, system)
    _id_checks(roster, semester, out)
    if "sex_given" in roster and roster["sex_given"].to_numpy(dtype=bool).any():
        checked.append("ID_SEX")
    _duplicates(roster, out)
    _amounts(roster, semester, inputs.standards, out)
    if system is not None:
        compare_system(roster, system, out)
        checked += ["SYS_MISSING", "ROSTER_MISSING", "SYS_PROGRAMME", "SYS_AMOUNT"]
    enrolment = None
    entitled = None
    if inputs.enrolment is not None:
        enrolment = prepare(inputs.enrolment, semester, inputs.today, result, "enrolment", id_rules=False)
        _enrolment(roster, enrolment, out)
        checked += ["NOT_ENROLLED", "ENROL_SCHOOL"]
    if inputs.specials:
        entitled = _specials(roster, prepare_specials(inputs, result), enrolment, semester, inputs.standards, out)
        checked += ["SPECIAL_UNCOVERED", "SPECIAL_TIER"]
    totals = roster_totals(roster)
    if inputs.reported is not None:
        _reported(totals, prepare_reported(inputs.reported, semester, result), out)
        checked += ["REPORTED_COUNT", "REPORTED_TOTAL"]
    if _filled(roster, "card_holder") or _filled(roster, "card_no"):
        _cards(roster, out)
        checked += [c for c, col in (("CARD_HOLDER", "card_holder"), ("CARD_SHARED", "card_no"))
                    if _filled(roster, col)]
    result.checked = [c for c in CHECKS if c in checked]
    order = {code: i for i, code in enumerate(CHECKS)}
    out.items.sort(key=lambda d: (order[d["code"]], d["school_key"], min(sum(d["rows"].values(), [0]) or [0])))
    result.discrepancies = out.items
    result.precision = precision_counts(roster, out.items, entitled)
    result.roster_totals = [
        {"school": r.school, "school_key": r.school_key, "programme": r.programme, "headcount": int(r.headcount),
         "cents": int(r.cents)} for r in totals.itertuples(index=False)
    ]
    return result
