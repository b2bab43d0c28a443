"""Blocked numbers of a line (lines.call_barring): the list, its limits, the network commands."""

import pytest

from guichet.care.models import Activity
from guichet.lines.call_barring import (
    BLOCKED_NUMBERS_MAX,
    blocked_number_add,
    blocked_number_remove,
    blocked_numbers_for_line,
)
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.models import BlockedNumber, LineStatus, ProvisioningCommand
from tests.customers.builders import NOW, as_customer
from tests.lines.builders import line_in_status, make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db


def _network_commands(line):
    return [
        (command.command, command.parameters["number"])
        for command in ProvisioningCommand.objects.filter(line=line).order_by("id")
    ]


def test_a_number_is_stored_in_e164_logged_and_sent_to_the_network(account, customer):
    line = make_mobile_line(account)

    entry = blocked_number_add(
        line=line, number="+32 470 12 34 56", actor=as_customer(customer), now=NOW
    )

    assert entry.number == "+32470123456"
    assert _network_commands(line) == [("call_barring_block", "+32470123456")]
    assert Activity.objects.filter(customer=customer, act="blocked_number.add").count() == 1


def test_a_fixed_line_blocks_too(account, customer):
    box = make_fixed_line(account)

    blocked_number_add(line=box, number="01 23 45 67 89", actor=as_customer(customer), now=NOW)

    assert [b.number for b in blocked_numbers_for_line(line=box)] == ["+33123456789"]
    assert _network_commands(box) == [("call_barring_block", "+33123456789")]


@pytest.mark.parametrize(
    ("number", "code"),
    [("abc", LineErrorCode.BLOCKED_NUMBER_INVALID), ("", LineErrorCode.BLOCKED_NUMBER_INVALID)],
)
def test_invalid_numbers_are_refused(account, customer, number, code):
    line = make_mobile_line(account)

    with pytest.raises(LineError) as refused:
        blocked_number_add(line=line, number=number, actor=as_customer(customer), now=NOW)

    assert refused.value.code == code
    assert not BlockedNumber.objects.exists()


def test_the_line_cannot_block_itself_nor_twice_the_same_number(account, customer):
    line = make_mobile_line(account)
    actor = as_customer(customer)
    with pytest.raises(LineError) as itself:
        blocked_number_add(line=line, number=line.msisdn, actor=actor, now=NOW)
    blocked_number_add(line=line, number="0611223344", actor=actor, now=NOW)

    with pytest.raises(LineError) as twice:
        blocked_number_add(line=line, number="+33611223344", actor=actor, now=NOW)

    assert itself.value.code == LineErrorCode.BLOCKED_NUMBER_INVALID
    assert twice.value.code == LineErrorCode.BLOCKED_NUMBER_DUPLICATE
    assert BlockedNumber.objects.filter(line=line).count() == 1


def test_the_list_is_bounded(account, customer):
    line = make_mobile_line(account)
    actor = as_customer(customer)
    for n in range(BLOCKED_NUMBERS_MAX):
        blocked_number_add(line=line, number=f"06110000{n:02d}", actor=actor, now=NOW)

    with pytest.raises(LineError) as refused:
        blocked_number_add(line=line, number="0699999999", actor=actor, now=NOW)

    assert refused.value.code == LineErrorCode.BLOCKED_NUMBERS_FULL
    assert BlockedNumber.objects.filter(line=line).count() == BLOCKED_NUMBERS_MAX


def test_a_terminated_line_blocks_nothing(account, customer, catalog):
    line = line_in_status(account, catalog, LineStatus.TERMINATED)

    with pytest.raises(LineError) as refused:
        blocked_number_add(line=line, number="0611223344", actor=as_customer(customer), now=NOW)

    assert refused.value.code == LineErrorCode.LINE_CLOSED


def test_removing_a_number_of_another_line_is_refused(account, customer):
    line, other = make_mobile_line(account), make_mobile_line(account)
    actor = as_customer(customer)
    entry = blocked_number_add(line=other, number="0611223344", actor=actor, now=NOW)

    with pytest.raises(LineError) as refused:
        blocked_number_remove(line=line, blocked_id=entry.pk, actor=actor, now=NOW)

    assert refused.value.code == LineErrorCode.BLOCKED_NUMBER_UNKNOWN
    assert BlockedNumber.objects.filter(pk=entry.pk).exists()
