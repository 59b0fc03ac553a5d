"""`validate` on small pandas frames: each failure is reported against its own check, in the order declared; money
columns hold ledger quanta (as queries.py returns them) and are bounded and shown in currency units."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from jobs.quality.checks import LINE_ITEMS, SESSIONS, Check
from jobs.quality.gate import SAMPLE_SIZE, validate

SESSIONS_FRAME = pd.DataFrame({"session_id": ["s1", "s2", "s3"], "total": [Decimal(1), Decimal(-2), None]})
LINES_FRAME = pd.DataFrame({"line_id": ["s0#0", "s1#0", "s2#0"], "vat_deviation": [0, 10_000_000, -1]})


def test_failures_keep_their_check_their_count_and_sample_ids() -> None:
    checks = [
        Check(SESSIONS, "ExpectColumnValuesToBeBetween", "no negative total", {"column": "total", "min_value": 0}),
        Check(SESSIONS, "ExpectColumnValuesToNotBeNull", "total present", {"column": "total"}),
        Check(SESSIONS, "ExpectColumnValuesToNotBeNull", "ids present", {"column": "session_id"}),  # holds
        Check(
            LINE_ITEMS,
            "ExpectColumnValuesToBeBetween",
            "VAT",
            {"column": "vat_deviation", "min_value": Decimal("-0.000000001"), "max_value": Decimal(0)},
        ),
        Check(SESSIONS, "ExpectColumnValuesToNotBeNull", "a column that is not there", {"column": "nope"}),
    ]
    failures = validate({SESSIONS: SESSIONS_FRAME, LINE_ITEMS: LINES_FRAME}, checks)
    assert [(f.check.meaning, f.unexpected, f.samples) for f in failures if f.error is None] == [
        ("no negative total", 1, ["s2 (total=-2)"]),
        ("total present", 1, ["s3 (total=None)"]),
        ("VAT", 1, ["s1#0 (vat_deviation=0.010000000)"]),
    ]
    (broken,) = [f for f in failures if f.error is not None]
    assert broken.check.meaning == "a column that is not there" and "nope" in broken.render()


def test_a_money_bound_finer_than_the_ledger_quantum_is_refused() -> None:
    check = Check(LINE_ITEMS, "ExpectColumnValuesToBeBetween", "VAT", {"column": "vat_deviation",
                  "min_value": Decimal("-0.0000000005"), "max_value": Decimal("0.0000000005")})  # fmt: skip
    with pytest.raises(ValueError, match=r"whole number of 0\.000000001"):
        validate({LINE_ITEMS: LINES_FRAME}, [check])


def test_samples_are_the_first_offending_rows_and_the_count_is_all_of_them() -> None:
    gaps = [0 if n % 7 else -n for n in range(1, 200)]  # every 7th row is negative
    frame = pd.DataFrame({"session_id": [f"s{n}" for n in range(1, 200)], "line_gap_excl_vat": gaps})
    check = Check(SESSIONS, "ExpectColumnValuesToBeBetween", "gap", {"column": "line_gap_excl_vat",
                  "min_value": Decimal(0), "max_value": Decimal(0)})  # fmt: skip
    (failure,) = validate({SESSIONS: frame}, [check])
    assert failure.unexpected == 28 and len(failure.samples) == SAMPLE_SIZE
    assert failure.samples[:2] == ["s7 (line_gap_excl_vat=-0.000000007)", "s14 (line_gap_excl_vat=-0.000000014)"]
    assert failure.samples[-1].startswith("s35 ")
