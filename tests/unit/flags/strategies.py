"""Hypothesis strategies for flag records."""

from datetime import UTC

from hypothesis import strategies as st

from pipelines.flags.models import Flag, FlagType, Severity, SubjectType

flags = st.builds(
    Flag,
    flag_id=st.text(min_size=1, max_size=32),
    tenant_id=st.text(max_size=12),
    flag_type=st.sampled_from([t.value for t in FlagType]),
    severity=st.sampled_from([s.value for s in Severity]),
    subject_type=st.sampled_from([s.value for s in SubjectType]),
    subject=st.text(max_size=40),
    evidence=st.text(max_size=80),
    raised_at=st.datetimes(timezones=st.just(UTC)),
    status=st.sampled_from(["open", "resolved"]),
)
