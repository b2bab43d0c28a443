"""Accounts and security: password reset, confirmed email changes, two-step verification."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator

from guichet.care.actors import Actor
from guichet.care.models import Activity, OutboxChannel, OutboxMessage
from guichet.care.notifications import render
from guichet.customers.errors import CustomerError, CustomerErrorCode
from guichet.customers.models import (
    EmailChangeKind,
    SecurityChallenge,
    SecurityChallengePurpose,
    SecurityRecoveryCode,
    SecurityTwoStep,
    TwoStepMethod,
)
from guichet.customers.otp import totp
from guichet.customers.selectors import (
    password_reset_user,
    recovery_codes_left,
    two_step_for,
    two_step_locked_until,
)
from guichet.customers.services import (
    customer_update_contact,
    email_change_confirm,
    email_change_request,
    password_reset_complete,
    password_reset_request,
    recovery_codes_renew,
    second_step_start,
    second_step_verify,
    two_step_disable,
    two_step_enable,
    two_step_enrolment_secret,
    two_step_sms_enrol_start,
    two_step_totp_enrol_start,
)
from guichet.lines.models import LineStatus
from tests.customers.builders import NOW, make_advisor, make_customer
from tests.lines.builders import line_in_status, make_account, make_catalog

pytestmark = pytest.mark.django_db


def _reset_link(uidb64: str, token: str) -> str:
    return f"https://guichet.example/mot-de-passe-oublie/{uidb64}/{token}/"


def _outbox(template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template=template).order_by("id"))


def _reset_parts() -> tuple[str, str]:
    link = _outbox("password_reset_link")[-1].context["link"]
    uidb64, token = link.rstrip("/").split("/")[-2:]
    return uidb64, token


# Password reset ------------------------------------------------------------------------------


def test_a_reset_link_goes_to_the_login_email_whether_typed_as_email_or_number():
    customer = make_customer(email="camille@example.fr")

    sent_by_email = password_reset_request(
        login=" Camille@Example.fr ", ip_address="192.0.2.1", link_for=_reset_link, now=NOW
    )
    sent_by_number = password_reset_request(
        login=customer.number.lower(), ip_address="192.0.2.1", link_for=_reset_link, now=NOW
    )

    assert sent_by_email and sent_by_number
    messages = _outbox("password_reset_link")
    assert [m.recipient for m in messages] == ["camille@example.fr"] * 2
    assert messages[0].context["minutes"] == 60
    assert password_reset_user(uidb64=_reset_parts()[0], token=_reset_parts()[1]) == customer.user


def test_an_unknown_login_gets_no_email():
    sent = password_reset_request(
        login="nobody@example.fr", ip_address=None, link_for=_reset_link, now=NOW
    )

    assert sent is False
    assert not OutboxMessage.objects.exists()


def test_reset_emails_are_rationed_per_login_and_hour():
    make_customer(email="camille@example.fr")

    def ask(at):
        return password_reset_request(
            login="camille@example.fr", ip_address=None, link_for=_reset_link, now=at
        )

    sent = [ask(NOW + timedelta(minutes=i)) for i in range(4)]
    after_an_hour = ask(NOW + timedelta(minutes=61))

    assert sent == [True, True, True, False]
    assert after_an_hour is True
    assert len(_outbox("password_reset_link")) == 4


def test_the_reset_link_works_once_and_signs_out_everywhere():
    customer = make_customer(email="camille@example.fr")
    password_reset_request(
        login="camille@example.fr", ip_address=None, link_for=_reset_link, now=NOW
    )
    uidb64, token = _reset_parts()
    user = password_reset_user(uidb64=uidb64, token=token)

    password_reset_complete(user=user, new_password="une phrase de passe solide", now=NOW)

    user.refresh_from_db()
    assert user.check_password("une phrase de passe solide")
    assert password_reset_user(uidb64=uidb64, token=token) is None
    notice = _outbox("password_reset_done")[0]
    assert notice.recipient == "camille@example.fr"
    assert Activity.objects.filter(customer=customer, act="security.password_reset").exists()


def test_a_weak_new_password_is_refused_with_the_validators_reasons():
    make_customer(email="camille@example.fr")
    password_reset_request(
        login="camille@example.fr", ip_address=None, link_for=_reset_link, now=NOW
    )
    user = password_reset_user(uidb64=_reset_parts()[0], token=_reset_parts()[1])

    with pytest.raises(CustomerError) as refused:
        password_reset_complete(user=user, new_password="12345678", now=NOW)

    assert refused.value.code == CustomerErrorCode.PASSWORD_INVALID
    assert "12 caractères" in refused.value.message


def test_the_reset_link_expires():
    make_customer(email="camille@example.fr")
    with time_machine.travel(NOW, tick=False):
        password_reset_request(
            login="camille@example.fr", ip_address=None, link_for=_reset_link, now=NOW
        )
    uidb64, token = _reset_parts()

    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        assert password_reset_user(uidb64=uidb64, token=token) is None
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        assert password_reset_user(uidb64=uidb64, token=token) is not None


def test_a_forged_reset_link_finds_no_one():
    customer = make_customer()

    assert password_reset_user(uidb64="MQ", token="forged-token") is None
    assert password_reset_user(uidb64="!!", token="x") is None
    other_token = default_token_generator.make_token(make_customer().user)
    from django.utils.http import urlsafe_base64_encode

    uidb64 = urlsafe_base64_encode(str(customer.user.pk).encode())
    assert password_reset_user(uidb64=uidb64, token=other_token) is None


# Login and contact email ----------------------------------------------------------------------


class Links:
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def __call__(self, token: str) -> str:
        self.tokens.append(token)
        return f"https://guichet.example/confirmer-mon-adresse/{token}/"


def test_the_login_changes_only_when_the_new_address_confirms():
    customer = make_customer(email="camille@example.fr")
    links = Links()

    email_change_request(
        customer=customer,
        kind=EmailChangeKind.LOGIN,
        email="Camille.Neuve@Example.fr",
        link_for=links,
        actor=Actor.customer(customer.user),
        now=NOW,
    )

    customer.user.refresh_from_db()
    assert customer.user.email == "camille@example.fr"
    confirm = _outbox("email_change_confirm")[0]
    assert confirm.recipient == "camille.neuve@example.fr"
    assert links.tokens[0] in confirm.context["link"]
    assert _outbox("email_change_requested")[0].recipient == "camille@example.fr"

    email_change_confirm(token=links.tokens[0], now=NOW + timedelta(hours=1))

    customer.user.refresh_from_db()
    assert customer.user.email == "camille.neuve@example.fr"
    notice = _outbox("login_email_changed")[0]
    assert notice.recipient == "camille@example.fr"
    body = render(notice.template, channel=OutboxChannel.EMAIL, context=notice.context).body
    assert "camille.neuve@example.fr" in body
    assert "Si vous n'êtes pas à l'origine de ce changement" in body
    with pytest.raises(CustomerError) as again:
        email_change_confirm(token=links.tokens[0], now=NOW + timedelta(hours=2))
    assert again.value.code == CustomerErrorCode.EMAIL_LINK_INVALID


def test_an_expired_or_replaced_link_changes_nothing():
    customer = make_customer(email="camille@example.fr")
    links = Links()
    actor = Actor.customer(customer.user)
    for email in ("premiere@example.fr", "seconde@example.fr"):
        email_change_request(
            customer=customer,
            kind=EmailChangeKind.LOGIN,
            email=email,
            link_for=links,
            actor=actor,
            now=NOW,
        )

    with pytest.raises(CustomerError):
        email_change_confirm(token=links.tokens[0], now=NOW)  # replaced by the second request
    with pytest.raises(CustomerError):
        email_change_confirm(token=links.tokens[1], now=NOW + timedelta(hours=24))
    customer.user.refresh_from_db()
    assert customer.user.email == "camille@example.fr"


def test_an_email_already_used_as_a_login_is_refused():
    make_customer(email="pris@example.fr")
    customer = make_customer()

    with pytest.raises(CustomerError) as refused:
        email_change_request(
            customer=customer,
            kind=EmailChangeKind.LOGIN,
            email="PRIS@example.fr",
            link_for=Links(),
            actor=Actor.customer(customer.user),
            now=NOW,
        )

    assert refused.value.code == CustomerErrorCode.EMAIL_TAKEN
    assert "déjà utilisée" in refused.value.message
    assert not OutboxMessage.objects.filter(template="email_change_confirm").exists()


def test_the_same_address_is_refused_with_a_clear_message():
    customer = make_customer(email="camille@example.fr")

    with pytest.raises(CustomerError) as refused:
        email_change_request(
            customer=customer,
            kind=EmailChangeKind.LOGIN,
            email="camille@example.fr",
            link_for=Links(),
            actor=Actor.customer(customer.user),
            now=NOW,
        )

    assert refused.value.message == (
        "camille@example.fr est déjà votre adresse e-mail de connexion."
    )


def test_a_confirmed_contact_email_replaces_the_old_one_which_is_told():
    customer = make_customer(email="camille@example.fr")
    links = Links()

    email_change_request(
        customer=customer,
        kind=EmailChangeKind.CONTACT,
        email="contact@example.fr",
        link_for=links,
        actor=Actor.customer(customer.user),
        now=NOW,
    )
    email_change_confirm(token=links.tokens[0], now=NOW)

    customer.refresh_from_db()
    customer.user.refresh_from_db()
    assert customer.contact_email == "contact@example.fr"
    assert customer.user.email == "camille@example.fr"  # the login stays
    notice = _outbox("contact_email_changed")[0]
    assert notice.recipient == "camille@example.fr"
    assert notice.context["new_email"] == "contact@example.fr"


def test_an_advisor_changes_no_contact_email_that_is_the_login():
    customer = make_customer(email="camille@example.fr")  # contact email = login
    advisor = Actor.advisor(make_advisor())

    for change in (
        lambda: email_change_request(
            customer=customer,
            kind=EmailChangeKind.CONTACT,
            email="autre@example.fr",
            link_for=Links(),
            actor=advisor,
            now=NOW,
        ),
        lambda: email_change_request(
            customer=customer,
            kind=EmailChangeKind.LOGIN,
            email="autre@example.fr",
            link_for=Links(),
            actor=advisor,
            now=NOW,
        ),
    ):
        with pytest.raises(CustomerError) as refused:
            change()
        assert refused.value.code == CustomerErrorCode.LOGIN_EMAIL_ADVISOR_FORBIDDEN


def test_an_advisor_may_ask_to_change_a_contact_email_that_is_not_the_login():
    customer = make_customer(email="camille@example.fr")
    customer_update_contact(
        customer=customer,
        contact_email="contact@example.fr",
        contact_phone=customer.contact_phone,
        actor=Actor.customer(customer.user),
        now=NOW,
    )

    change = email_change_request(
        customer=customer,
        kind=EmailChangeKind.CONTACT,
        email="nouveau@example.fr",
        link_for=Links(),
        actor=Actor.advisor(make_advisor()),
        now=NOW,
    )

    assert change.new_email == "nouveau@example.fr"


# Two-step verification ------------------------------------------------------------------------


def _enable_app(customer, now=NOW) -> tuple[bytes, list[str]]:
    challenge, secret = two_step_totp_enrol_start(customer=customer, now=now)
    codes = two_step_enable(
        customer=customer,
        challenge_id=challenge.pk,
        code=totp(secret, now.timestamp()),
        actor=Actor.customer(customer.user),
        now=now,
    )
    return secret, codes


def test_turning_on_the_app_method_needs_a_code_from_the_app():
    customer = make_customer()
    challenge, secret = two_step_totp_enrol_start(customer=customer, now=NOW)

    with pytest.raises(CustomerError) as wrong:
        two_step_enable(
            customer=customer,
            challenge_id=challenge.pk,
            code="000000" if totp(secret, NOW.timestamp()) != "000000" else "111111",
            actor=Actor.customer(customer.user),
            now=NOW,
        )
    assert wrong.value.code == CustomerErrorCode.TWO_STEP_CODE_WRONG
    assert two_step_for(user=customer.user) is None

    codes = two_step_enable(
        customer=customer,
        challenge_id=challenge.pk,
        code=totp(secret, NOW.timestamp()),
        actor=Actor.customer(customer.user),
        now=NOW,
    )

    two_step = two_step_for(user=customer.user)
    assert two_step.method == TwoStepMethod.TOTP
    assert len(codes) == 10 and recovery_codes_left(user=customer.user) == 10
    assert two_step_enrolment_secret(challenge=challenge) == secret
    # Neither the secret nor a recovery code is stored as is.
    assert secret.hex() not in two_step.sealed_secret
    stored = set(SecurityRecoveryCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)
    assert _outbox("two_step_enabled")[0].recipient == customer.user.email


def test_an_app_code_signs_in_once_only():
    customer = make_customer()
    secret, _ = _enable_app(customer)
    later = NOW + timedelta(minutes=5)
    challenge, code = second_step_start(
        user=customer.user, purpose=SecurityChallengePurpose.SIGN_IN, now=later
    )
    assert code == ""  # nothing to send: the app shows it

    second_step_verify(
        user=customer.user,
        challenge_id=challenge.pk,
        purpose=SecurityChallengePurpose.SIGN_IN,
        code=totp(secret, later.timestamp()),
        now=later,
    )

    again, _ = second_step_start(
        user=customer.user, purpose=SecurityChallengePurpose.SIGN_IN, now=later
    )
    with pytest.raises(CustomerError) as replay:
        second_step_verify(
            user=customer.user,
            challenge_id=again.pk,
            purpose=SecurityChallengePurpose.SIGN_IN,
            code=totp(secret, later.timestamp()),
            now=later,
        )
    assert replay.value.code == CustomerErrorCode.TWO_STEP_CODE_WRONG


def test_a_recovery_code_signs_in_once_only():
    customer = make_customer()
    _, codes = _enable_app(customer)

    def sign_in():
        challenge, _ = second_step_start(
            user=customer.user, purpose=SecurityChallengePurpose.SIGN_IN, now=NOW
        )
        second_step_verify(
            user=customer.user,
            challenge_id=challenge.pk,
            purpose=SecurityChallengePurpose.SIGN_IN,
            code=codes[3].lower(),
            now=NOW,
        )

    sign_in()
    assert recovery_codes_left(user=customer.user) == 9
    with pytest.raises(CustomerError):
        sign_in()


def test_wrong_codes_lock_the_second_step_for_a_quarter_of_an_hour():
    customer = make_customer()
    _enable_app(customer)
    challenge, _ = second_step_start(
        user=customer.user, purpose=SecurityChallengePurpose.SIGN_IN, now=NOW
    )

    def attempt(code="abcdef"):
        second_step_verify(
            user=customer.user,
            challenge_id=challenge.pk,
            purpose=SecurityChallengePurpose.SIGN_IN,
            code=code,
            now=NOW,
        )

    for _ in range(5):
        with pytest.raises(CustomerError) as wrong:
            attempt()
        assert wrong.value.code == CustomerErrorCode.TWO_STEP_CODE_WRONG

    with pytest.raises(CustomerError) as locked:
        attempt()
    assert locked.value.code == CustomerErrorCode.TWO_STEP_LOCKED
    assert two_step_locked_until(user=customer.user, now=NOW) == NOW + timedelta(minutes=15)
    assert two_step_locked_until(user=customer.user, now=NOW + timedelta(minutes=16)) is None


def test_a_code_expires_after_five_minutes():
    customer = make_customer()
    secret, _ = _enable_app(customer)
    challenge, _ = second_step_start(
        user=customer.user, purpose=SecurityChallengePurpose.SIGN_IN, now=NOW
    )
    late = NOW + timedelta(minutes=5, seconds=1)

    with pytest.raises(CustomerError) as expired:
        second_step_verify(
            user=customer.user,
            challenge_id=challenge.pk,
            purpose=SecurityChallengePurpose.SIGN_IN,
            code=totp(secret, late.timestamp()),
            now=late,
        )

    assert expired.value.code == CustomerErrorCode.TWO_STEP_CODE_EXPIRED


@pytest.fixture
def line_holder():
    customer = make_customer()
    account = make_account(customer)
    catalog = make_catalog()
    return customer, account, catalog


def test_the_sms_method_proves_the_line_with_a_code(line_holder):
    customer, account, catalog = line_holder
    line = line_in_status(account, catalog, LineStatus.ACTIVE)

    challenge, code = two_step_sms_enrol_start(customer=customer, line_id=line.pk, now=NOW)

    assert len(code) == 6 and code.isdigit()
    assert challenge.phone == line.msisdn
    assert code not in challenge.code_hash
    two_step_enable(
        customer=customer,
        challenge_id=challenge.pk,
        code=code,
        actor=Actor.customer(customer.user),
        now=NOW,
    )
    two_step = SecurityTwoStep.objects.get(user=customer.user)
    assert (two_step.method, two_step.phone) == (TwoStepMethod.SMS, line.msisdn)

    sign_in, sms_code = second_step_start(
        user=customer.user, purpose=SecurityChallengePurpose.SIGN_IN, now=NOW
    )
    assert sign_in.phone == line.msisdn and len(sms_code) == 6
    second_step_verify(
        user=customer.user,
        challenge_id=sign_in.pk,
        purpose=SecurityChallengePurpose.SIGN_IN,
        code=sms_code,
        now=NOW,
    )


def test_the_sms_method_takes_only_the_customers_own_active_mobile_lines(line_holder):
    customer, account, catalog = line_holder
    suspended = line_in_status(account, catalog, LineStatus.SUSPENDED)
    other = make_customer()
    others_line = line_in_status(make_account(other), catalog, LineStatus.ACTIVE)

    for line in (suspended, others_line):
        with pytest.raises(CustomerError) as refused:
            two_step_sms_enrol_start(customer=customer, line_id=line.pk, now=NOW)
        assert refused.value.code == CustomerErrorCode.TWO_STEP_LINE_INVALID
    assert not SecurityChallenge.objects.exists()


def test_sms_codes_are_rationed(line_holder):
    customer, account, catalog = line_holder
    line = line_in_status(account, catalog, LineStatus.ACTIVE)
    for minute in range(5):
        two_step_sms_enrol_start(
            customer=customer, line_id=line.pk, now=NOW + timedelta(minutes=minute)
        )

    with pytest.raises(CustomerError) as refused:
        two_step_sms_enrol_start(customer=customer, line_id=line.pk, now=NOW + timedelta(minutes=6))

    assert refused.value.code == CustomerErrorCode.TWO_STEP_LOCKED
    # The previous code stopped working when a new one was sent.
    assert SecurityChallenge.objects.filter(used_at__isnull=True).count() == 1


def test_turning_off_removes_the_method_and_the_recovery_codes():
    customer = make_customer()
    _enable_app(customer)

    two_step_disable(customer=customer, actor=Actor.customer(customer.user), now=NOW)

    assert two_step_for(user=customer.user) is None
    assert not SecurityRecoveryCode.objects.exists()
    assert _outbox("two_step_disabled")[0].recipient == customer.user.email
    with pytest.raises(CustomerError) as off:
        two_step_disable(customer=customer, actor=Actor.customer(customer.user), now=NOW)
    assert off.value.code == CustomerErrorCode.TWO_STEP_OFF


def test_new_recovery_codes_replace_the_old_ones():
    customer = make_customer()
    _, old = _enable_app(customer)

    new = recovery_codes_renew(customer=customer, actor=Actor.customer(customer.user), now=NOW)

    assert not set(old) & set(new)
    challenge, _ = second_step_start(
        user=customer.user, purpose=SecurityChallengePurpose.SIGN_IN, now=NOW
    )
    with pytest.raises(CustomerError):
        second_step_verify(
            user=customer.user,
            challenge_id=challenge.pk,
            purpose=SecurityChallengePurpose.SIGN_IN,
            code=old[0],
            now=NOW,
        )
