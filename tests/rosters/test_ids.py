"""GB 11643 identity numbers: the test vectors of funding-and-ids.md, one at a time and as a column."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from inspect_app.rosters.ids import check_id
from inspect_app.rosters.ids import check_ids

TODAY = date(2026, 11, 27)

VALID = [
    "11010519491231002X", "440524188001010014", "34052419800101001X", "120223198902021249", "130132199210293822",
    "360426199101010071", "44011320141005001X", "44011320141005001x", "110102199101010078", "412723199010050012",
    "440308199901101512", "430302199312194239", "810000199408230021", "830000199201300022", "500154199301135886",
    "110111198012010078",
]
INVALID = [
    ("130402198207290622", "checksum", "4"),
    ("110105194912310021", "checksum", "X"),
    ("440308199901101513", "checksum", "2"),
    ("36042619910102009X", "checksum", "3"),
    ("111111199901101512", "checksum", None),
    ("360426199113010079", "date", None),
    ("440308199902301512", "checksum", None),
    ("T60426199101010078", "format", None),
    ("44030819990110", "format", None),
]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass(number: str) -> None:
    result = check_id(number, today=TODAY)
    assert result.problem is None and result.valid
    assert result.number == number.upper()


@pytest.mark.parametrize(("number", "problem", "expected"), INVALID)
def test_invalid_numbers_are_named(number: str, problem: str, expected: str | None) -> None:
    result = check_id(number, today=TODAY)
    assert result.problem == problem and not result.valid
    if expected:
        assert result.expected == expected


def test_an_unknown_area_code_is_only_a_warning() -> None:
    result = check_id("990426199112010074", today=TODAY)
    assert result.problem == "area" and result.valid


def test_full_width_digits_blanks_and_a_small_x_are_normalised() -> None:
    assert check_id("４４０５２４１８８００１０１００１４", today=TODAY).number == "440524188001010014"
    assert check_id(" 1101 0519 4912 31002x ", today=TODAY).problem is None


def test_a_fifteen_digit_number_is_converted_to_eighteen() -> None:
    result = check_id("440524800101001", today=TODAY)
    assert result.number == "440524198001010013" and result.problem is None
    assert result.birth == date(1980, 1, 1) and result.male is True


def test_birth_date_and_sex_are_read() -> None:
    result = check_id("11010519491231002X", today=TODAY)
    assert result.birth == date(1949, 12, 31) and result.male is False


def test_a_future_birth_date_is_refused() -> None:
    from inspect_app.rosters.ids import check_char

    body = "61050320300101001"
    assert check_id(body + check_char(body), today=TODAY).problem == "date"


def test_the_column_check_agrees_with_the_single_check() -> None:
    numbers = VALID + [n for n, _p, _e in INVALID] + ["990426199112010074", "４４０５２４１８８００１０１００１４"]
    frame = check_ids(pd.Series(numbers), today=TODAY)
    for number, (_i, row) in zip(numbers, frame.iterrows(), strict=True):
        single = check_id(number, today=TODAY)
        assert row["number"] == single.number
        assert (row["problem"] if isinstance(row["problem"], str) else None) == single.problem, number


def test_the_column_check_agrees_on_dates_at_the_edges() -> None:
    from inspect_app.rosters.ids import check_char

    births = ["20240229", "20230229", "19000229", "20000229", "20261127", "20261128", "19001301", "19000100",
              "19000431", "16770922"]
    numbers = [body + check_char(body) for body in ("610503" + b + "011" for b in births)]
    frame = check_ids(pd.Series(numbers), today=TODAY)
    for number, (_i, row) in zip(numbers, frame.iterrows(), strict=True):
        single = check_id(number, today=TODAY)
        assert (row["problem"] if isinstance(row["problem"], str) else None) == single.problem, number
        if single.birth is not None:
            assert row["birth"].date() == single.birth and bool(row["male"]) == single.male


def test_a_birth_date_the_column_cannot_hold_is_not_a_date() -> None:
    from inspect_app.rosters.ids import check_char

    body = "61050316000101001"
    frame = check_ids(pd.Series([body + check_char(body)]), today=TODAY)
    assert frame["problem"].iloc[0] == "date" and pd.isna(frame["birth"].iloc[0])
