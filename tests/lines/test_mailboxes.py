"""A box line's email addresses (lines.mailboxes)."""

import pytest

from guichet.care.models import Activity
from guichet.lines.errors import LineError, LineErrorCode
from guichet.lines.mailbox_rules import SECONDARY_MAX
from guichet.lines.mailboxes import (
    box_mailbox_add_secondary,
    box_mailbox_delete,
    box_mailbox_set_primary,
    box_mailboxes_for_line,
    mailbox_address,
)
from guichet.lines.models import BoxMailbox
from tests.customers.builders import NOW, as_customer
from tests.lines.builders import make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db


def test_changing_the_main_address_keeps_one_main_address(account, customer, settings):
    settings.GUICHET_BOX_MAIL_DOMAIN = "guichet-box.fr"
    box, actor = make_fixed_line(account), as_customer(customer)
    box_mailbox_set_primary(line=box, local_part="hugo", actor=actor, now=NOW)

    primary = box_mailbox_set_primary(line=box, local_part="Hugo.Lefebvre", actor=actor, now=NOW)

    assert mailbox_address(primary) == "hugo.lefebvre@guichet-box.fr"
    assert [m.local_part for m in box_mailboxes_for_line(line=box)] == ["hugo.lefebvre"]
    last = Activity.objects.filter(act="box_mailbox.set_primary").first()
    assert last.old_values == {"address": "hugo@guichet-box.fr"}
    # The freed address can be taken again.
    box_mailbox_add_secondary(line=box, local_part="hugo", actor=actor, now=NOW)


def test_at_most_five_secondary_addresses(account, customer):
    box, actor = make_fixed_line(account), as_customer(customer)
    for n in range(SECONDARY_MAX):
        box_mailbox_add_secondary(line=box, local_part=f"famille{n}", actor=actor, now=NOW)

    with pytest.raises(LineError) as refused:
        box_mailbox_add_secondary(line=box, local_part="famille9", actor=actor, now=NOW)

    assert refused.value.code == LineErrorCode.MAILBOX_SECONDARY_FULL
    assert BoxMailbox.objects.filter(line=box).count() == SECONDARY_MAX


def test_the_main_address_is_not_deleted_and_a_secondary_one_is(account, customer):
    box, actor = make_fixed_line(account), as_customer(customer)
    primary = box_mailbox_set_primary(line=box, local_part="hugo", actor=actor, now=NOW)
    secondary = box_mailbox_add_secondary(line=box, local_part="hugo.pro", actor=actor, now=NOW)

    with pytest.raises(LineError) as refused:
        box_mailbox_delete(line=box, mailbox_id=primary.pk, actor=actor, now=NOW)
    box_mailbox_delete(line=box, mailbox_id=secondary.pk, actor=actor, now=NOW)

    assert refused.value.code == LineErrorCode.MAILBOX_PRIMARY_NOT_DELETABLE
    assert list(BoxMailbox.objects.values_list("local_part", flat=True)) == ["hugo"]


def test_addresses_are_unique_across_boxes_and_only_for_boxes(account, customer):
    actor = as_customer(customer)
    box_mailbox_set_primary(line=make_fixed_line(account), local_part="hugo", actor=actor, now=NOW)

    with pytest.raises(LineError) as taken:
        box_mailbox_add_secondary(
            line=make_fixed_line(account), local_part="HUGO", actor=actor, now=NOW
        )
    with pytest.raises(LineError) as mobile:
        box_mailbox_set_primary(
            line=make_mobile_line(account), local_part="x-y", actor=actor, now=NOW
        )
    with pytest.raises(LineError) as reserved:
        box_mailbox_add_secondary(
            line=make_fixed_line(account), local_part="postmaster", actor=actor, now=NOW
        )

    assert taken.value.code == LineErrorCode.MAILBOX_ADDRESS_TAKEN
    assert mobile.value.code == LineErrorCode.MAILBOX_NOT_A_BOX
    assert reserved.value.code == LineErrorCode.MAILBOX_ADDRESS_INVALID
    assert BoxMailbox.objects.count() == 1
