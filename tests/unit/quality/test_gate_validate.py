"""`validate` on small pandas frames: each failure is reported against its own check, in the order declared."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from jobs.quality.checks import LINE_ITEMS, SESSIONS, Check
from jobs.quality.gate import validate

SESSIONS_FRAME = pd.DataFrame({"session_id": ["s1", "s2", "s3"], "total": [Decimal(1), Decimal(-2), None]})
LINES_FRAME = pd.DataFrame({"line_id": ["s1#0"], "vat_deviation": [Decimal("0.01")]})


def test_failures_keep_their_check_their_count_and_sample_ids() -> None:
    checks = [
        Check(SESSIONS, "ExpectColumnValuesToBeBetween", "no negative total", {"column": "total", "min_value": 0}),
        Check(SESSIONS, "ExpectColumnValuesToNotBeNull", "total present", {"column": "total"}),
        Check(SESSIONS, "ExpectColumnValuesToNotBeNull", "ids present", {"column": "session_id"}),  # holds
        Check(
            LINE_ITEMS,
            "ExpectColumnValuesToBeBetween",
            "VAT",
            {"column": "vat_deviation", "min_value": Decimal(0), "max_value": Decimal(0)},
        ),
        Check(SESSIONS, "ExpectColumnValuesToNotBeNull", "a column that is not there", {"column": "nope"}),
    ]
    failures = validate({SESSIONS: SESSIONS_FRAME, LINE_ITEMS: LINES_FRAME}, checks)
    assert [(f.check.meaning, f.unexpected, f.samples) for f in failures if f.error is None] == [
        ("no negative total", 1, ["s2 (total=-2)"]),
        ("total present", 1, ["s3 (total=None)"]),
        ("VAT", 1, ["s1#0 (vat_deviation=0.01)"]),
    ]
    (broken,) = [f for f in failures if f.error is not None]
    assert broken.check.meaning == "a column that is not there" and "nope" in broken.render()
