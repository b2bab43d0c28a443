"""Any sequence of lifecycle acts keeps a line in a valid, consistent state; terminated is final."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.care.acts import Act
from guichet.care.models import Activity
from guichet.lines.errors import LineError
from guichet.lines.models import Line, LineStatus, SuspensionReason, TerminationReason
from guichet.lines.rules import LineAction, next_status
from guichet.lines.services import (
    line_activate,
    line_reinstate,
    line_suspend,
    line_terminate,
    subscription_add,
)
from tests.customers.builders import NOW, SYSTEM, make_customer
from tests.lines.builders import make_account, make_catalog, make_mobile_line

pytestmark = pytest.mark.django_db

acts = st.lists(
    st.one_of(
        st.just((LineAction.ACTIVATE, None)),
        st.tuples(st.just(LineAction.SUSPEND), st.sampled_from(SuspensionReason)),
        st.just((LineAction.REINSTATE, None)),
        st.tuples(st.just(LineAction.TERMINATE), st.sampled_from(TerminationReason)),
    ),
    max_size=12,
)


def _apply(line: Line, action: LineAction, reason: object, step: int) -> None:
    now = NOW + timedelta(hours=step + 1)
    if action == LineAction.ACTIVATE:
        line_activate(line=line, actor=SYSTEM, now=now)
    elif action == LineAction.SUSPEND:
        line_suspend(line=line, reason=SuspensionReason(reason), actor=SYSTEM, now=now)
    elif action == LineAction.REINSTATE:
        line_reinstate(line=line, actor=SYSTEM, now=now)
    else:
        line_terminate(line=line, reason=TerminationReason(reason), actor=SYSTEM, now=now)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=acts)
def test_any_sequence_of_acts_follows_the_table(
    sequence: list[tuple[LineAction, object]],
) -> None:
    catalog = make_catalog()
    line = make_mobile_line(make_account(make_customer()))
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    expected = LineStatus.PENDING
    accepted = 0
    terminated = False

    for step, (action, reason) in enumerate(sequence):
        target = next_status(expected, action)
        try:
            _apply(line, action, reason, step)
        except LineError as refused:
            assert target is None
            assert refused.code == f"line_{action}_not_allowed"
        else:
            assert target is not None
            expected = target
            accepted += 1
        line.refresh_from_db()
        assert line.status == expected
        # The fields that go with each status are set exactly when the status holds.
        assert bool(line.suspension_reason) == (line.status == LineStatus.SUSPENDED)
        assert (line.suspended_at is not None) == (line.status == LineStatus.SUSPENDED)
        assert (line.terminated_at is not None) == (line.status == LineStatus.TERMINATED)
        assert bool(line.termination_reason) == (line.status == LineStatus.TERMINATED)
        assert (line.activated_at is None) == (line.status == LineStatus.PENDING) or (
            line.status == LineStatus.TERMINATED
        )
        # Terminated is final, whatever comes after (CGS 8.2).
        if terminated:
            assert line.status == LineStatus.TERMINATED
        terminated = line.status == LineStatus.TERMINATED

    lifecycle_acts = Activity.objects.filter(
        subject_type="lines.line",
        subject_id=line.pk,
        act__in=[Act.LINE_ACTIVATE, Act.LINE_SUSPEND, Act.LINE_REINSTATE, Act.LINE_TERMINATE],
    )
    assert lifecycle_acts.count() == accepted
