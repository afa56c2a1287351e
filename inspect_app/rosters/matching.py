"""The roster against the national system export: who is paid in one and not the other, by which programmes and
how much (SYS_MISSING, ROSTER_MISSING, SYS_PROGRAMME, SYS_AMOUNT).

People are matched on integer codes: one per key (``kc``, the same in both frames) and one per key and programme.
Each side becomes one line per person and programme (amounts summed, the row numbers kept), as arrays of the
row positions they start at; only the lines of a discrepancy are looked up in the frames.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..funds.programmes import Programme
from .frames import Out
from .frames import records

PROGRAMMES = list(Programme)


def first_occurrences(codes: np.ndarray) -> np.ndarray:
    """The positions where each code first appears, for codes numbered in order of appearance (pd.factorize)."""
    if not len(codes):
        return np.zeros(0, dtype=np.intp)
    seen_before = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    return np.flatnonzero(codes > seen_before)


def sums(groups: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """``values`` (whole fen) summed per group, exactly: any sum of fewer than 2**53 fen is exact in float64."""
    return np.bincount(groups, weights=values, minlength=count).round().astype(np.int64)


@dataclass
class Lines:
    """One line per person and programme of a frame: the position of its first row (``head``), its key code,
    its key and programme code, the amount summed, and the row numbers of the lines of more than one row."""

    frame: pd.DataFrame
    head: np.ndarray
    kc: np.ndarray
    pk: np.ndarray
    cents: np.ndarray
    row: np.ndarray
    rows: dict[int, list[int]]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Lines:
        keyed = np.flatnonzero(frame["keyed"].to_numpy(dtype=bool))
        kc = frame["kc"].to_numpy(dtype=np.int64)[keyed]
        pk = kc * (len(PROGRAMMES) + 1) + frame["pc"].to_numpy(dtype=np.int64)[keyed] + 1
        group, _pairs = pd.factorize(pk)
        first = first_occurrences(group)
        cents = sums(group, frame["cents"].to_numpy(dtype=np.int64)[keyed], len(first))
        numbers = frame["row"].to_numpy(dtype=np.int64)[keyed]
        rows: dict[int, list[int]] = {}
        for i in np.flatnonzero(np.bincount(group, minlength=len(first))[group] > 1).tolist():
            rows.setdefault(int(group[i]), []).append(int(numbers[i]))
        return cls(frame, keyed[first], kc[first], pk[first], cents, numbers[first], rows)

    def rows_of(self, line: int) -> list[int]:
        """The row numbers of one line."""
        return list(self.rows[line]) if line in self.rows else [int(self.row[line])]

    def records(self, lines: np.ndarray) -> list[t.Any]:
        """The frame's first row of each of ``lines``, as named tuples."""
        return records(self.frame, self.head[lines])


def _present(codes: np.ndarray, among: np.ndarray, size: int) -> np.ndarray:
    """True for each of ``codes`` found in ``among`` (codes below ``size``)."""
    seen = np.zeros(size, dtype=bool)
    seen[among] = True
    return seen[codes]


def _missing(out: Out, code: str, label: str, lines: Lines, which: np.ndarray) -> None:
    for line, row in zip(which.tolist(), lines.records(which), strict=True):
        cents = int(lines.cents[line])
        out.add(code, school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                programme=row.programme, cents=cents, params={"cents": cents, "programme": row.programme.zh},
                rows={label: lines.rows_of(line)})


def compare_system(roster: pd.DataFrame, system: pd.DataFrame, out: Out) -> None:
    """The four checks of the roster against the system export; both frames carry ``kc`` (one code space)."""
    mine, theirs = Lines.of(roster), Lines.of(system)
    size = int(max(mine.kc.max(initial=-1), theirs.kc.max(initial=-1))) + 1
    mine_in = _present(mine.kc, theirs.kc, size)
    theirs_in = _present(theirs.kc, mine.kc, size)
    _missing(out, "SYS_MISSING", "roster", mine, np.flatnonzero(~mine_in))
    _missing(out, "ROSTER_MISSING", "system", theirs, np.flatnonzero(~theirs_in))
    mine_both, theirs_both = np.flatnonzero(mine_in), np.flatnonzero(theirs_in)
    if not len(mine_both):
        return
    pair_size = size * (len(PROGRAMMES) + 1)
    mine_only = mine_both[~_present(mine.pk[mine_both], theirs.pk[theirs_both], pair_size)]
    theirs_only = theirs_both[~_present(theirs.pk[theirs_both], mine.pk[mine_both], pair_size)]
    differs = np.unique(np.concatenate([mine.kc[mine_only], theirs.kc[theirs_only]]))
    if len(differs):
        _programmes(out, mine, theirs, mine_both, theirs_both, differs)
    # Outside ``differs`` each person's programmes are the same on both sides: one system line per roster line.
    same = mine_both[~_present(mine.kc[mine_both], differs, size)] if len(differs) else mine_both
    line_of = np.full(pair_size, -1, dtype=np.int64)
    line_of[theirs.pk[theirs_both]] = theirs_both
    match = line_of[mine.pk[same]]
    unequal = mine.cents[same] != theirs.cents[match]
    lines, their_lines = same[unequal], match[unequal]
    for line, their_line, row in zip(lines.tolist(), their_lines.tolist(), mine.records(lines), strict=True):
        cents, cents_sys = int(mine.cents[line]), int(theirs.cents[their_line])
        out.add("SYS_AMOUNT", school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                programme=row.programme, cents=cents,
                params={"programme": row.programme.zh, "roster": cents, "system": cents_sys},
                rows={"roster": mine.rows_of(line), "system": theirs.rows_of(their_line)})


def _programmes(out: Out, mine: Lines, theirs: Lines, mine_both: np.ndarray, theirs_both: np.ndarray,
                differs: np.ndarray) -> None:
    """SYS_PROGRAMME: a person whose programmes differ, in the order of their keys."""
    mine_lines = mine_both[np.isin(mine.kc[mine_both], differs)]
    their_lines = theirs_both[np.isin(theirs.kc[theirs_both], differs)]
    mine_records, their_records = mine.records(mine_lines), theirs.records(their_lines)
    by_key: dict[str, tuple[list[tuple[int, t.Any]], list[tuple[int, t.Any]]]] = {}
    for line, row in zip(mine_lines.tolist(), mine_records, strict=True):
        by_key.setdefault(row.key, ([], []))[0].append((line, row))
    for line, row in zip(their_lines.tolist(), their_records, strict=True):
        by_key.setdefault(row.key, ([], []))[1].append((line, row))
    for key in sorted(by_key):
        mine_of, theirs_of = by_key[key]
        first = mine_of[0][1]
        out.add("SYS_PROGRAMME", school=first.school_label, school_key=first.school_key, key=key,
                name=first.name, cents=int(sum(int(mine.cents[line]) for line, _row in mine_of)),
                params={"roster": [row.programme.zh for _line, row in mine_of],
                        "system": [row.programme.zh for _line, row in theirs_of]},
                rows={"roster": sum((mine.rows_of(line) for line, _row in mine_of), []),
                      "system": sum((theirs.rows_of(line) for line, _row in theirs_of), [])})
