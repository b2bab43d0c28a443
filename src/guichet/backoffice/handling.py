"""What the advisor console offers for each kind of request: pure, no I/O.

A request whose effect a service performs gets that act (a transfer, a move, an equipment
return, a change of name, an unlock code asked to the maker). A request another process
completes shows who does and offers no button that would only change its status: termination
(the daily job `offer-due` ends the line on its date) and the partners' after-sales cases
(insurer, refund offer, repairers: `devices.services.after_sales_sync`). The others have no
effect beyond their status and move through their lifecycle by hand.
"""

from enum import StrEnum

from guichet.care.models import RequestKind, RequestStatus


class Handling(StrEnum):
    LINE_TRANSFER = "line_transfer"
    MOVE = "move"
    EQUIPMENT_RETURN = "equipment_return"
    NAME_CHANGE = "name_change"
    UNLOCK_CODE = "unlock_code"
    SCHEDULED = "scheduled"
    PARTNER = "partner"
    LIFECYCLE = "lifecycle"


KIND_HANDLING: dict[RequestKind, Handling] = {
    RequestKind.LINE_TRANSFER: Handling.LINE_TRANSFER,
    RequestKind.MOVE: Handling.MOVE,
    RequestKind.EQUIPMENT_RETURN: Handling.EQUIPMENT_RETURN,
    RequestKind.NAME_CHANGE: Handling.NAME_CHANGE,
    RequestKind.UNLOCK_CODE: Handling.UNLOCK_CODE,
    RequestKind.TERMINATION: Handling.SCHEDULED,
    RequestKind.INSURANCE_CLAIM: Handling.PARTNER,
    RequestKind.REFUND_OFFER: Handling.PARTNER,
    RequestKind.REPAIR: Handling.PARTNER,
    RequestKind.EXPRESS_REPAIR: Handling.PARTNER,
    RequestKind.PORTING_OUT: Handling.LIFECYCLE,
    RequestKind.WITHDRAWAL: Handling.LIFECYCLE,
    RequestKind.DUPLICATE_INVOICE: Handling.LIFECYCLE,
}

# The kinds an advisor may refuse, with a reason: a check of theirs decides them.
REJECTABLE: frozenset[Handling] = frozenset(
    {Handling.LINE_TRANSFER, Handling.MOVE, Handling.NAME_CHANGE, Handling.LIFECYCLE}
)


def handling_of(kind: str) -> Handling:
    return KIND_HANDLING[RequestKind(kind)]


def actions_for(*, kind: str, status: str) -> frozenset[str]:
    """The console's actions on a request of `kind` in `status` (names of `views.ACTIONS`)."""
    if status not in (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS):
        return frozenset()
    handling = handling_of(kind)
    actions: set[str] = set()
    if handling in REJECTABLE:
        actions.add("reject")
    if handling == Handling.LIFECYCLE:
        actions.add("take" if status == RequestStatus.SUBMITTED else "complete")
    elif handling == Handling.LINE_TRANSFER:
        # Submitted: the transferee has not accepted yet (their link works while submitted).
        if status == RequestStatus.IN_PROGRESS:
            actions.add("transfer_complete")
    elif handling == Handling.MOVE:
        actions.add("move_complete")
    elif handling == Handling.EQUIPMENT_RETURN:
        actions.update({"equipment_received", "equipment_not_returned"})
    elif handling == Handling.NAME_CHANGE:
        actions.add("name_change_apply")
    elif handling == Handling.UNLOCK_CODE:
        actions.add("unlock_collect")
    return frozenset(actions)
