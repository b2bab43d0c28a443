"""What the console offers for each kind and status of request (pure rules, no database)."""

import pytest

from guichet.backoffice.handling import KIND_HANDLING, Handling, actions_for
from guichet.care.models import RequestKind, RequestStatus

CLOSED = (RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.CANCELLED)


def test_every_kind_of_request_has_its_handling():
    # A new kind must say how the console treats it: with its act, by hand, or by a process.
    assert set(KIND_HANDLING) == set(RequestKind)


@pytest.mark.parametrize("kind", list(RequestKind))
@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_request_offers_nothing(kind, status):
    assert actions_for(kind=kind, status=status) == frozenset()


@pytest.mark.parametrize(
    ("kind", "status", "actions"),
    [
        (RequestKind.LINE_TRANSFER, RequestStatus.SUBMITTED, {"reject"}),
        (RequestKind.LINE_TRANSFER, RequestStatus.IN_PROGRESS, {"reject", "transfer_complete"}),
        (RequestKind.MOVE, RequestStatus.SUBMITTED, {"reject", "move_complete"}),
        (
            RequestKind.EQUIPMENT_RETURN,
            RequestStatus.SUBMITTED,
            {"equipment_received", "equipment_not_returned"},
        ),
        (RequestKind.NAME_CHANGE, RequestStatus.SUBMITTED, {"reject", "name_change_apply"}),
        (RequestKind.UNLOCK_CODE, RequestStatus.IN_PROGRESS, {"unlock_collect"}),
        (RequestKind.TERMINATION, RequestStatus.SUBMITTED, set()),
        (RequestKind.INSURANCE_CLAIM, RequestStatus.IN_PROGRESS, set()),
        (RequestKind.PORTING_OUT, RequestStatus.SUBMITTED, {"reject", "take"}),
        (RequestKind.WITHDRAWAL, RequestStatus.IN_PROGRESS, {"reject", "complete"}),
    ],
)
def test_an_open_request_offers_the_acts_of_its_kind(kind, status, actions):
    assert actions_for(kind=kind, status=status) == actions


def test_only_the_kinds_decided_by_a_check_can_be_refused():
    refusable = {
        kind
        for kind in RequestKind
        if "reject" in actions_for(kind=kind, status=RequestStatus.SUBMITTED)
    }
    assert {KIND_HANDLING[kind] for kind in refusable} == {
        Handling.LINE_TRANSFER,
        Handling.MOVE,
        Handling.NAME_CHANGE,
        Handling.LIFECYCLE,
    }
