from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from guichet.billing.models import BillingAccount
from guichet.billing.services import billing_account_close, billing_account_open
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxChannel, OutboxMessage
from guichet.catalog.models import Market, Product
from guichet.customers.models import Customer
from guichet.lines.errors import (
    EquipmentError,
    EquipmentErrorCode,
    LineError,
    LineErrorCode,
    SubscriptionError,
    SubscriptionErrorCode,
)
from guichet.lines.models import (
    Equipment,
    EquipmentKind,
    Line,
    LineStatus,
    Ownership,
    Subscription,
    SubscriptionStatus,
    SuspensionReason,
    TerminationReason,
)
from guichet.lines.rules import LineAction
from guichet.lines.services import (
    equipment_register,
    line_activate,
    line_create,
    line_declare_user,
    line_reinstate,
    line_suspend,
    line_terminate,
    subscription_add,
    subscription_end,
    subscription_start,
)
from tests.customers.builders import NOW, SYSTEM, as_customer, make_customer
from tests.lines.builders import (
    line_in_status,
    make_account,
    make_fixed_line,
    make_mobile_line,
    new_iccid,
    new_imei,
)
from tests.lines.test_rules import EXPECTED_TRANSITIONS

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=2)


def _snapshot(line: Line) -> tuple[Any, ...]:
    """Everything a refused act must leave as it was."""
    line.refresh_from_db()
    return (
        line.status,
        line.suspension_reason,
        line.suspended_at,
        line.activated_at,
        line.terminated_at,
        line.termination_reason,
        line.commitment_end_date,
        tuple(Subscription.objects.filter(line=line).values_list("status", "ends_at")),
        Activity.objects.count(),
        OutboxMessage.objects.count(),
    )


def _act(action: LineAction, line: Line, actor: Actor = SYSTEM) -> Callable[[], Line]:
    return {
        LineAction.ACTIVATE: lambda: line_activate(line=line, actor=actor, now=LATER),
        # A bar of outgoing usage, like the suspended line's: a stricter one would replace it
        # (lines.rules.suspension_replaces, tests/lines/test_emergencies.py).
        LineAction.SUSPEND: lambda: line_suspend(
            line=line, reason=SuspensionReason.BILL_ADVANCE_PENDING, actor=actor, now=LATER
        ),
        LineAction.REINSTATE: lambda: line_reinstate(line=line, actor=actor, now=LATER),
        LineAction.TERMINATE: lambda: line_terminate(
            line=line, reason=TerminationReason.LEGITIMATE_REASON, actor=actor, now=LATER
        ),
    }[action]


# line_create ----------------------------------------------------------------------------------


def test_line_create_makes_a_pending_mobile_line(account: BillingAccount) -> None:
    iccid = new_iccid()

    line = line_create(
        billing_account=account,
        market=Market.MOBILE,
        msisdn="06 98 76 54 32",
        iccid=iccid,
        puk="87654321",
        actor=SYSTEM,
        now=NOW,
    )

    line.refresh_from_db()
    assert line.status == LineStatus.PENDING
    assert line.msisdn == "+33698765432"
    assert line.access_reference == ""
    assert (line.iccid, line.puk) == (iccid, "87654321")
    assert line.created_at == NOW
    assert line.activated_at is None
    activity = Activity.objects.get(act=Act.LINE_CREATE)
    assert activity.customer == account.customer
    assert activity.summary == "Ligne 06 98 76 54 32 créée, en attente de mise en service"
    assert activity.new_values == {
        "status": "pending",
        "market": "mobile",
        "number": "06 98 76 54 32",
    }


def test_line_create_makes_a_pending_fixed_line(account: BillingAccount) -> None:
    line = line_create(
        billing_account=account,
        market=Market.FIXED,
        access_reference="ftth-00012345",
        actor=SYSTEM,
        now=NOW,
    )

    assert (line.status, line.msisdn, line.access_reference) == (
        LineStatus.PENDING,
        "",
        "FTTH-00012345",
    )
    assert line.display_number == "FTTH-00012345"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"market": Market.MOBILE, "msisdn": "0698765432", "puk": "12345678"}, "mismatch"),
        ({"market": Market.MOBILE, "iccid": "valid", "puk": "12345678"}, "mismatch"),
        (
            {"market": Market.MOBILE, "msisdn": "0698765432", "iccid": "valid", "puk": ""},
            "mismatch",
        ),
        (
            {"market": Market.FIXED, "msisdn": "0698765432", "access_reference": "FTTH-1234"},
            "mismatch",
        ),
        ({"market": Market.FIXED}, "mismatch"),
        (
            {"market": Market.MOBILE, "msisdn": "0198765432", "iccid": "valid", "puk": "12345678"},
            LineErrorCode.MSISDN_INVALID,
        ),
        (
            {"market": Market.MOBILE, "msisdn": "0698765432", "iccid": "8933", "puk": "12345678"},
            LineErrorCode.ICCID_INVALID,
        ),
        (
            {"market": Market.MOBILE, "msisdn": "0698765432", "iccid": "valid", "puk": "1234"},
            LineErrorCode.PUK_INVALID,
        ),
        ({"market": Market.FIXED, "access_reference": "x"}, LineErrorCode.ACCESS_REFERENCE_INVALID),
    ],
)
def test_line_create_refuses_inconsistent_identifiers(
    account: BillingAccount, fields: dict[str, Any], code: str
) -> None:
    if fields.get("iccid") == "valid":
        fields["iccid"] = new_iccid()
    before = (Line.objects.count(), Activity.objects.count())

    with pytest.raises(LineError) as refused:
        line_create(billing_account=account, actor=SYSTEM, now=NOW, **fields)

    expected = LineErrorCode.IDENTIFIER_MISMATCH if code == "mismatch" else code
    assert refused.value.code == expected
    assert (Line.objects.count(), Activity.objects.count()) == before


def test_line_create_refuses_a_number_or_sim_in_use(account: BillingAccount) -> None:
    existing = make_mobile_line(account)
    before = (Line.objects.count(), Activity.objects.count())

    with pytest.raises(LineError) as number_refused:
        line_create(
            billing_account=account,
            market=Market.MOBILE,
            msisdn=existing.msisdn,
            iccid=new_iccid(),
            puk="12345678",
            actor=SYSTEM,
            now=NOW,
        )
    with pytest.raises(LineError) as sim_refused:
        line_create(
            billing_account=account,
            market=Market.MOBILE,
            msisdn="0611111111",
            iccid=existing.iccid,
            puk="12345678",
            actor=SYSTEM,
            now=NOW,
        )

    assert number_refused.value.code == LineErrorCode.MSISDN_IN_USE
    assert sim_refused.value.code == LineErrorCode.ICCID_IN_USE
    assert (Line.objects.count(), Activity.objects.count()) == before


def test_a_terminated_lines_number_can_be_reassigned_cgs_8_2(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    old = line_in_status(account, catalog, LineStatus.TERMINATED)

    new = line_create(
        billing_account=make_account(make_customer()),
        market=Market.MOBILE,
        msisdn=old.msisdn,
        iccid=new_iccid(),
        puk="12345678",
        actor=SYSTEM,
        now=LATER,
    )

    assert new.msisdn == old.msisdn
    assert Line.objects.filter(msisdn=old.msisdn).count() == 2


def test_line_create_refuses_a_closed_billing_account(customer: Customer) -> None:
    closed = billing_account_open(
        customer=customer, payment_method="card", debit_day=1, actor=SYSTEM, now=NOW
    )
    billing_account_close(billing_account=closed, actor=SYSTEM, now=NOW)

    with pytest.raises(LineError) as refused:
        make_mobile_line(closed)

    assert refused.value.code == LineErrorCode.BILLING_ACCOUNT_CLOSED
    assert Line.objects.count() == 0


# The lifecycle, every (status, action) pair ---------------------------------------------------


@pytest.mark.parametrize(("status", "action"), list(EXPECTED_TRANSITIONS))
def test_line_lifecycle_services_follow_the_transition_table(
    account: BillingAccount, catalog: dict[str, Product], status: LineStatus, action: LineAction
) -> None:
    line = line_in_status(account, catalog, status)
    expected = EXPECTED_TRANSITIONS[(status, action)]
    before = _snapshot(line)
    activities = Activity.objects.count()

    if expected is None:
        with pytest.raises(LineError) as refused:
            _act(action, line)()
        assert refused.value.code == f"line_{action}_not_allowed"
        assert refused.value.extra == {
            "action": action,
            "from_status": status,
            "line_id": line.pk,
        }
        assert f"({action} refusé depuis « {status} »)" in refused.value.message
        assert _snapshot(line) == before
    else:
        _act(action, line)()
        line.refresh_from_db()
        assert line.status == expected
        logged = Activity.objects.order_by("-id").first()
        assert logged is not None
        assert Activity.objects.count() == activities + 1
        assert logged.act == f"line.{action}"
        assert logged.old_values["status"] == status
        assert logged.new_values["status"] == expected


def test_activating_a_terminated_line_names_the_transition(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.TERMINATED)

    with pytest.raises(LineError) as refused:
        line_activate(line=line, actor=SYSTEM, now=LATER)

    assert refused.value.code == LineErrorCode.ACTIVATE_NOT_ALLOWED
    assert refused.value.message == (
        f"Impossible de mettre en service la ligne {line.display_number} : elle est résiliée"
        " (activate refusé depuis « terminated »)."
    )


def test_line_activate_needs_an_active_plan(account: BillingAccount) -> None:
    line = make_mobile_line(account)
    before = _snapshot(line)

    with pytest.raises(LineError) as refused:
        line_activate(line=line, actor=SYSTEM, now=LATER)

    assert refused.value.code == LineErrorCode.NO_ACTIVE_MAIN_OFFER
    assert _snapshot(line) == before


def test_line_activate_sets_commitment_end_and_tells_the_customer(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = make_mobile_line(account)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    # 31 January 23:30 UTC is 1 February in Paris: the commitment counts from the French date.
    activation = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)

    line_activate(line=line, actor=SYSTEM, now=activation, commitment_months=12)

    line.refresh_from_db()
    assert line.status == LineStatus.ACTIVE
    assert line.activated_at == activation
    assert line.commitment_end_date == date(2026, 2, 1)
    messages = list(OutboxMessage.objects.order_by("channel"))
    assert [(m.channel, m.recipient, m.template) for m in messages] == [
        (OutboxChannel.EMAIL, account.customer.contact_email, "line_activated"),
        (OutboxChannel.SMS, account.customer.contact_phone, "line_activated"),
    ]
    assert messages[0].context == {
        "first_name": "Camille",
        "line": line.display_number,
        "date": "01/02/2025",
    }


@pytest.mark.parametrize("months", [-1, 25])
def test_line_activate_refuses_a_commitment_over_24_months(
    account: BillingAccount, catalog: dict[str, Product], months: int
) -> None:
    line = make_mobile_line(account)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    before = _snapshot(line)

    with pytest.raises(LineError) as refused:
        line_activate(line=line, actor=SYSTEM, now=LATER, commitment_months=months)

    assert refused.value.code == LineErrorCode.COMMITMENT_INVALID
    assert _snapshot(line) == before


def test_line_suspend_records_reason_and_informs_the_customer_cgs_2_4(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    OutboxMessage.objects.all().delete()

    line_suspend(line=line, reason=SuspensionReason.UNPAID, actor=SYSTEM, now=LATER)

    line.refresh_from_db()
    assert (line.status, line.suspension_reason, line.suspended_at) == (
        LineStatus.SUSPENDED,
        SuspensionReason.UNPAID,
        LATER,
    )
    activity = Activity.objects.get(act=Act.LINE_SUSPEND)
    assert activity.summary == f"Suspension de la ligne {line.display_number} (facture impayée)"
    assert activity.new_values == {"status": "suspended", "suspension_reason": "unpaid"}
    # Unpaid bars outgoing usage only: the notice says what still works.
    assert sorted(OutboxMessage.objects.values_list("channel", "template")) == [
        ("email", "line_suspended_outgoing"),
        ("sms", "line_suspended_outgoing"),
    ]
    assert OutboxMessage.objects.filter(context__reason="facture impayée").count() == 2


def test_a_suspension_for_fraud_bars_the_whole_line_and_says_so(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    OutboxMessage.objects.all().delete()

    line_suspend(line=line, reason=SuspensionReason.FRAUD, actor=SYSTEM, now=LATER)

    assert sorted(OutboxMessage.objects.values_list("channel", "template")) == [
        ("email", "line_suspended"),
        ("sms", "line_suspended"),
    ]


@pytest.mark.parametrize(
    ("reason", "allowed"),
    [
        (SuspensionReason.LOSS, True),
        (SuspensionReason.THEFT, True),
        (SuspensionReason.CUSTOMER_REQUEST, True),
        (SuspensionReason.UNPAID, False),
        (SuspensionReason.FRAUD, False),
        (SuspensionReason.MISSING_DOCUMENTS, False),
        (SuspensionReason.BILL_ADVANCE_PENDING, False),
    ],
)
def test_a_customer_suspends_only_for_loss_theft_or_own_request_cgs_6_1(
    account: BillingAccount, catalog: dict[str, Product], reason: SuspensionReason, allowed: bool
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    before = _snapshot(line)

    if allowed:
        line_suspend(line=line, reason=reason, actor=as_customer(account.customer), now=LATER)
        line.refresh_from_db()
        assert (line.status, line.suspension_reason) == (LineStatus.SUSPENDED, reason)
    else:
        with pytest.raises(LineError) as refused:
            line_suspend(line=line, reason=reason, actor=as_customer(account.customer), now=LATER)
        assert refused.value.code == LineErrorCode.REASON_NOT_ALLOWED_FOR_CUSTOMER
        assert _snapshot(line) == before


def test_a_customer_cannot_lift_an_unpaid_suspension(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.SUSPENDED)  # suspended for unpaid
    before = _snapshot(line)

    with pytest.raises(LineError) as refused:
        line_reinstate(line=line, actor=as_customer(account.customer), now=LATER)

    assert refused.value.code == LineErrorCode.REASON_NOT_ALLOWED_FOR_CUSTOMER
    assert _snapshot(line) == before


def test_a_customer_reinstates_after_a_loss_they_reported(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    holder = as_customer(account.customer)
    line_suspend(line=line, reason=SuspensionReason.LOSS, actor=holder, now=NOW)

    line_reinstate(line=line, actor=holder, now=LATER)

    line.refresh_from_db()
    assert (line.status, line.suspension_reason, line.suspended_at) == (
        LineStatus.ACTIVE,
        "",
        None,
    )
    activity = Activity.objects.get(act=Act.LINE_REINSTATE)
    assert activity.old_values == {
        "status": "suspended",
        "suspension_reason": "loss",
        "suspended_at": NOW.isoformat().replace("+00:00", "Z"),
    }
    assert OutboxMessage.objects.filter(template="line_reinstated").count() == 2


def test_line_terminate_ends_every_running_and_scheduled_subscription(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    plan = Subscription.objects.get(line=line)
    option = subscription_add(line=line, product=catalog["option-roaming"], actor=SYSTEM, now=NOW)
    top_up = subscription_add(
        line=line,
        product=catalog["top-up-1go"],
        actor=SYSTEM,
        now=NOW,
        ends_at=NOW + timedelta(days=1),
    )
    next_month = LATER + timedelta(days=30)
    scheduled = subscription_add(
        line=line, product=catalog["woot-20"], actor=SYSTEM, now=NOW, starts_at=next_month
    )

    line_terminate(line=line, reason=TerminationReason.PORTING_OUT, actor=SYSTEM, now=LATER)

    line.refresh_from_db()
    assert (line.status, line.termination_reason, line.terminated_at) == (
        LineStatus.TERMINATED,
        TerminationReason.PORTING_OUT,
        LATER,
    )
    ends = {s.pk: (s.status, s.ends_at) for s in Subscription.objects.filter(line=line)}
    assert ends == {
        plan.pk: (SubscriptionStatus.ENDED, LATER),
        option.pk: (SubscriptionStatus.ENDED, LATER),
        top_up.pk: (SubscriptionStatus.ENDED, NOW + timedelta(days=1)),  # already expired
        scheduled.pk: (SubscriptionStatus.ENDED, next_month),  # never started
    }
    activity = Activity.objects.get(act=Act.LINE_TERMINATE)
    assert activity.new_values == {
        "status": "terminated",
        "termination_reason": "porting_out",
        "ended_subscriptions": [plan.pk, option.pk, top_up.pk, scheduled.pk],
    }
    assert OutboxMessage.objects.filter(template="line_terminated").count() == 2


def test_terminating_a_suspended_line_clears_the_suspension(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.SUSPENDED)

    line_terminate(line=line, reason=TerminationReason.UNPAID, actor=SYSTEM, now=LATER)

    line.refresh_from_db()
    assert (line.status, line.suspension_reason, line.suspended_at) == (
        LineStatus.TERMINATED,
        "",
        None,
    )


@pytest.mark.parametrize(
    ("reason", "allowed"),
    [
        (TerminationReason.CUSTOMER_REQUEST, True),
        (TerminationReason.LEGITIMATE_REASON, True),
        (TerminationReason.WITHDRAWAL, True),
        (TerminationReason.UNPAID, False),
        (TerminationReason.FALSE_DECLARATION, False),
        (TerminationReason.PORTING_OUT, False),
    ],
)
def test_a_customer_terminates_only_for_their_own_reasons_cgs_8(
    account: BillingAccount,
    catalog: dict[str, Product],
    reason: TerminationReason,
    allowed: bool,
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    before = _snapshot(line)
    holder = as_customer(account.customer)

    if allowed:
        line_terminate(line=line, reason=reason, actor=holder, now=LATER)
        line.refresh_from_db()
        assert line.status == LineStatus.TERMINATED
    else:
        with pytest.raises(LineError) as refused:
            line_terminate(line=line, reason=reason, actor=holder, now=LATER)
        assert refused.value.code == LineErrorCode.REASON_NOT_ALLOWED_FOR_CUSTOMER
        assert _snapshot(line) == before


def test_line_declare_user_records_a_minor_user(account: BillingAccount) -> None:
    line = make_mobile_line(account)

    line_declare_user(
        line=line,
        user_name=" Léa  Martin ",
        user_is_minor=True,
        actor=as_customer(account.customer),
        now=LATER,
    )

    line.refresh_from_db()
    assert (line.user_name, line.user_is_minor) == ("Léa Martin", True)
    activity = Activity.objects.get(act=Act.LINE_DECLARE_USER)
    assert activity.old_values == {"user_name": "", "user_is_minor": False}


def test_line_declare_user_refuses_a_fixed_line_or_a_nameless_minor(
    account: BillingAccount,
) -> None:
    fixed, mobile = make_fixed_line(account), make_mobile_line(account)
    activities = Activity.objects.count()

    with pytest.raises(LineError) as fixed_refused:
        line_declare_user(line=fixed, user_name="Léa", user_is_minor=False, actor=SYSTEM, now=LATER)
    with pytest.raises(LineError) as nameless_refused:
        line_declare_user(line=mobile, user_name=" ", user_is_minor=True, actor=SYSTEM, now=LATER)

    assert fixed_refused.value.code == LineErrorCode.DECLARED_USER_INVALID
    assert nameless_refused.value.code == LineErrorCode.DECLARED_USER_INVALID
    mobile.refresh_from_db()
    assert (mobile.user_name, mobile.user_is_minor) == ("", False)
    assert Activity.objects.count() == activities


# Subscriptions --------------------------------------------------------------------------------


def test_subscription_add_plan_then_option_on_a_mobile_line(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = make_mobile_line(account)

    plan = subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    option = subscription_add(line=line, product=catalog["option-roaming"], actor=SYSTEM, now=NOW)

    assert (plan.kind, plan.status, plan.starts_at, plan.ends_at) == (
        "plan",
        SubscriptionStatus.ACTIVE,
        NOW,
        None,
    )
    assert (option.kind, option.status) == ("option", SubscriptionStatus.ACTIVE)
    activity = Activity.objects.filter(act=Act.SUBSCRIPTION_ADD).order_by("id").first()
    assert activity is not None
    assert activity.summary == f"Souscription « Woot 100 Go » sur la ligne {line.display_number}"
    assert activity.new_values == {
        "product": catalog["woot-100"].code,
        "status": "active",
        "starts_at": "2025-03-03T09:00:00Z",
        "ends_at": None,
    }


@pytest.mark.parametrize(
    ("market", "product"),
    [
        (Market.MOBILE, "box-fibre"),
        (Market.MOBILE, "option-tv"),
        (Market.MOBILE, "sim-fee"),
        (Market.FIXED, "woot-100"),
        (Market.FIXED, "option-roaming"),
    ],
)
def test_subscription_add_refuses_a_product_of_another_market_or_kind(
    account: BillingAccount, catalog: dict[str, Product], market: Market, product: str
) -> None:
    line = make_mobile_line(account) if market == Market.MOBILE else make_fixed_line(account)
    before = _snapshot(line)

    with pytest.raises(SubscriptionError) as refused:
        subscription_add(line=line, product=catalog[product], actor=SYSTEM, now=NOW)

    assert refused.value.code == SubscriptionErrorCode.PRODUCT_NOT_FOR_LINE
    assert _snapshot(line) == before


def test_a_fixed_line_takes_a_box_offer_and_its_options(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = make_fixed_line(account)

    subscription_add(line=line, product=catalog["box-fibre"], actor=SYSTEM, now=NOW)
    subscription_add(line=line, product=catalog["option-tv"], actor=SYSTEM, now=NOW)

    assert sorted(Subscription.objects.filter(line=line).values_list("kind", flat=True)) == [
        "box_offer",
        "option",
    ]


def test_an_add_on_needs_an_active_plan(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = make_mobile_line(account)
    before = _snapshot(line)

    with pytest.raises(SubscriptionError) as refused:
        subscription_add(line=line, product=catalog["bonus-5go"], actor=SYSTEM, now=NOW)

    assert refused.value.code == SubscriptionErrorCode.MAIN_OFFER_REQUIRED
    assert _snapshot(line) == before


def test_a_line_has_one_active_plan(account: BillingAccount, catalog: dict[str, Product]) -> None:
    line = make_mobile_line(account)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    before = _snapshot(line)

    with pytest.raises(SubscriptionError) as refused:
        subscription_add(line=line, product=catalog["woot-20"], actor=SYSTEM, now=NOW)

    assert refused.value.code == SubscriptionErrorCode.MAIN_OFFER_ALREADY_ACTIVE
    assert _snapshot(line) == before


def test_the_database_refuses_a_second_active_plan(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = make_mobile_line(account)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)

    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            line=line,
            product=catalog["woot-20"],
            kind="plan",
            status=SubscriptionStatus.ACTIVE,
            starts_at=NOW,
            created_at=NOW,
        )


@pytest.mark.parametrize(
    ("product", "starts", "ends"),
    [
        ("top-up-1go", None, None),  # a top-up has a validity
        ("option-roaming", NOW - timedelta(days=1), None),  # no backdating
        ("option-roaming", None, NOW),  # ends after it starts
    ],
)
def test_subscription_add_refuses_an_invalid_period(
    account: BillingAccount,
    catalog: dict[str, Product],
    product: str,
    starts: datetime | None,
    ends: datetime | None,
) -> None:
    line = make_mobile_line(account)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    before = _snapshot(line)

    with pytest.raises(SubscriptionError) as refused:
        subscription_add(
            line=line,
            product=catalog[product],
            actor=SYSTEM,
            now=NOW,
            starts_at=starts,
            ends_at=ends,
        )

    assert refused.value.code == SubscriptionErrorCode.PERIOD_INVALID
    assert _snapshot(line) == before


@pytest.mark.parametrize("status", [LineStatus.SUSPENDED, LineStatus.TERMINATED])
def test_subscription_add_refuses_a_suspended_or_terminated_line(
    account: BillingAccount, catalog: dict[str, Product], status: LineStatus
) -> None:
    line = line_in_status(account, catalog, status)
    before = _snapshot(line)

    with pytest.raises(SubscriptionError) as refused:
        subscription_add(line=line, product=catalog["option-roaming"], actor=SYSTEM, now=LATER)

    assert refused.value.code == SubscriptionErrorCode.LINE_NOT_OPEN
    assert _snapshot(line) == before


def test_a_scheduled_plan_replaces_the_active_one_when_started(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    current = Subscription.objects.get(line=line)
    starts = NOW + timedelta(days=28)
    scheduled = subscription_add(
        line=line, product=catalog["woot-20"], actor=SYSTEM, now=NOW, starts_at=starts
    )
    assert scheduled.status == SubscriptionStatus.SCHEDULED

    with pytest.raises(SubscriptionError) as too_early:
        subscription_start(subscription=scheduled, actor=SYSTEM, now=starts - timedelta(seconds=1))
    assert too_early.value.code == SubscriptionErrorCode.NOT_DUE

    subscription_start(subscription=scheduled, actor=SYSTEM, now=starts)

    current.refresh_from_db()
    scheduled.refresh_from_db()
    assert (current.status, current.ends_at) == (SubscriptionStatus.ENDED, starts)
    assert scheduled.status == SubscriptionStatus.ACTIVE
    assert list(
        Activity.objects.filter(act__startswith="subscription.", at=starts)
        .order_by("id")
        .values_list("act", flat=True)
    ) == [Act.SUBSCRIPTION_END, Act.SUBSCRIPTION_START]


def test_only_one_plan_can_be_scheduled(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    starts = NOW + timedelta(days=28)
    subscription_add(line=line, product=catalog["woot-20"], actor=SYSTEM, now=NOW, starts_at=starts)
    before = _snapshot(line)

    with pytest.raises(SubscriptionError) as refused:
        subscription_add(
            line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW, starts_at=starts
        )

    assert refused.value.code == SubscriptionErrorCode.MAIN_OFFER_ALREADY_SCHEDULED
    assert _snapshot(line) == before


def test_subscription_start_refuses_an_active_subscription(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    plan = Subscription.objects.get(line=line)

    with pytest.raises(SubscriptionError) as refused:
        subscription_start(subscription=plan, actor=SYSTEM, now=LATER)

    assert refused.value.code == SubscriptionErrorCode.NOT_SCHEDULED


def test_subscription_end_ends_once(account: BillingAccount, catalog: dict[str, Product]) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    option = subscription_add(line=line, product=catalog["option-roaming"], actor=SYSTEM, now=NOW)

    subscription_end(subscription=option, actor=as_customer(account.customer), now=LATER)
    before = _snapshot(line)
    with pytest.raises(SubscriptionError) as refused:
        subscription_end(subscription=option, actor=SYSTEM, now=LATER + timedelta(days=1))

    option.refresh_from_db()
    assert (option.status, option.ends_at) == (SubscriptionStatus.ENDED, LATER)
    assert refused.value.code == SubscriptionErrorCode.ALREADY_ENDED
    assert _snapshot(line) == before


# Equipment ------------------------------------------------------------------------------------


def test_equipment_register_a_phone_by_imei(account: BillingAccount) -> None:
    line = make_mobile_line(account)
    imei = new_imei()

    equipment = equipment_register(
        customer=account.customer,
        line=line,
        kind=EquipmentKind.PHONE,
        model="Fairphone 5",
        imei=imei,
        ownership=Ownership.OWNED,
        acquired_at=NOW,
        actor=SYSTEM,
        now=LATER,
    )

    equipment.refresh_from_db()
    assert (equipment.kind, equipment.imei, equipment.line) == (EquipmentKind.PHONE, imei, line)
    activity = Activity.objects.get(act=Act.EQUIPMENT_REGISTER)
    assert activity.summary == "Téléphone mobile Fairphone 5 enregistré (achat)"


def test_equipment_register_a_rented_box_by_serial_number(account: BillingAccount) -> None:
    line = make_fixed_line(account)

    equipment = equipment_register(
        customer=account.customer,
        line=line,
        kind=EquipmentKind.BOX,
        model="Box fibre 2",
        serial_number="SN-0042",
        ownership=Ownership.RENTED,
        acquired_at=NOW,
        actor=SYSTEM,
        now=LATER,
    )

    assert (equipment.serial_number, equipment.imei, equipment.ownership) == (
        "SN-0042",
        "",
        Ownership.RENTED,
    )


@pytest.mark.parametrize(
    ("kind", "imei", "serial", "model", "code"),
    [
        (EquipmentKind.PHONE, "", "SN-1", "Phone", EquipmentErrorCode.IMEI_REQUIRED),
        (EquipmentKind.PHONE, "490154203237519", "", "Phone", EquipmentErrorCode.IMEI_INVALID),
        (EquipmentKind.BOX, "valid", "", "Box", EquipmentErrorCode.IMEI_NOT_APPLICABLE),
        (EquipmentKind.TV_DECODER, "", "", "Décodeur", EquipmentErrorCode.SERIAL_NUMBER_REQUIRED),
        (EquipmentKind.KEY_4G, "", "", "Clé", EquipmentErrorCode.SERIAL_NUMBER_REQUIRED),
        (EquipmentKind.PHONE, "valid", "", "  ", EquipmentErrorCode.MODEL_REQUIRED),
    ],
)
def test_equipment_register_refuses_unidentified_equipment(
    customer: Customer,
    kind: EquipmentKind,
    imei: str,
    serial: str,
    model: str,
    code: EquipmentErrorCode,
) -> None:
    activities = Activity.objects.count()

    with pytest.raises(EquipmentError) as refused:
        equipment_register(
            customer=customer,
            kind=kind,
            model=model,
            imei=new_imei() if imei == "valid" else imei,
            serial_number=serial,
            ownership=Ownership.OWNED,
            acquired_at=NOW,
            actor=SYSTEM,
            now=NOW,
        )

    assert refused.value.code == code
    assert Equipment.objects.count() == 0
    assert Activity.objects.count() == activities


def test_equipment_register_refuses_another_customers_line_or_market(
    account: BillingAccount,
) -> None:
    other_line = make_mobile_line(make_account(make_customer()))
    own_fixed = make_fixed_line(account)
    activities = Activity.objects.count()

    with pytest.raises(EquipmentError) as not_theirs:
        equipment_register(
            customer=account.customer,
            line=other_line,
            kind=EquipmentKind.SIM,
            model="SIM",
            serial_number=new_iccid(),
            ownership=Ownership.OWNED,
            acquired_at=NOW,
            actor=SYSTEM,
            now=NOW,
        )
    with pytest.raises(EquipmentError) as wrong_market:
        equipment_register(
            customer=account.customer,
            line=own_fixed,
            kind=EquipmentKind.PHONE,
            model="Phone",
            imei=new_imei(),
            ownership=Ownership.OWNED,
            acquired_at=NOW,
            actor=SYSTEM,
            now=NOW,
        )

    assert not_theirs.value.code == EquipmentErrorCode.LINE_NOT_CUSTOMERS
    assert wrong_market.value.code == EquipmentErrorCode.MARKET_MISMATCH
    assert Equipment.objects.count() == 0
    assert Activity.objects.count() == activities


def test_an_act_on_a_stale_copy_of_the_line_sees_the_current_status(
    account: BillingAccount, catalog: dict[str, Product]
) -> None:
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    stale_copy = Line.objects.get(pk=line.pk)
    line_terminate(line=line, reason=TerminationReason.CUSTOMER_REQUEST, actor=SYSTEM, now=LATER)
    activities = Activity.objects.count()

    with pytest.raises(LineError) as refused:
        line_suspend(line=stale_copy, reason=SuspensionReason.UNPAID, actor=SYSTEM, now=LATER)

    assert refused.value.code == LineErrorCode.SUSPEND_NOT_ALLOWED
    assert Line.objects.get(pk=line.pk).status == LineStatus.TERMINATED
    assert Activity.objects.count() == activities
