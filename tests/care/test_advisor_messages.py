"""The customer's message thread with the advisors (care.services.advisor_message_post)."""

from datetime import timedelta

import pytest

from guichet.care.actors import Actor
from guichet.care.errors import CareError, CareErrorCode
from guichet.care.models import AdvisorMessage, OutboxMessage
from guichet.care.selectors import advisor_queue, advisor_thread_for_customer
from guichet.care.services import ADVISOR_MESSAGE_MAX_LENGTH, advisor_message_post
from tests.customers.builders import NOW, as_customer, make_advisor, make_customer

pytestmark = pytest.mark.django_db


def test_the_thread_reads_oldest_first_and_an_answer_empties_the_queue_and_notifies(customer):
    advisor = Actor.advisor(make_advisor())
    other = make_customer()
    advisor_message_post(customer=customer, text="Question 1", actor=as_customer(customer), now=NOW)
    advisor_message_post(
        customer=other, text="Autre", actor=as_customer(other), now=NOW + timedelta(minutes=1)
    )
    advisor_message_post(
        customer=customer,
        text="Question 2",
        actor=as_customer(customer),
        now=NOW + timedelta(minutes=2),
    )
    assert [m.text for m in advisor_queue()] == ["Question 1", "Autre", "Question 2"]

    advisor_message_post(
        customer=customer, text="Réponse", actor=advisor, now=NOW + timedelta(hours=1)
    )

    assert [m.text for m in advisor_thread_for_customer(customer=customer)] == [
        "Question 1",
        "Question 2",
        "Réponse",
    ]
    assert [m.text for m in advisor_queue()] == ["Autre"]
    notices = OutboxMessage.objects.filter(customer=customer, template="advisor_message_answered")
    assert sorted(n.channel for n in notices) == ["email", "sms"]
    assert not OutboxMessage.objects.filter(customer=other).exists()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   ", CareErrorCode.MESSAGE_EMPTY),
        ("x" * (ADVISOR_MESSAGE_MAX_LENGTH + 1), CareErrorCode.MESSAGE_TOO_LONG),
    ],
)
def test_empty_or_too_long_messages_are_refused(customer, text, code):
    with pytest.raises(CareError) as refused:
        advisor_message_post(customer=customer, text=text, actor=as_customer(customer), now=NOW)

    assert refused.value.code == code
    assert not AdvisorMessage.objects.exists()


def test_a_message_at_the_limit_is_accepted(customer):
    text = "x" * ADVISOR_MESSAGE_MAX_LENGTH
    message = advisor_message_post(
        customer=customer, text=text, actor=as_customer(customer), now=NOW
    )

    assert len(message.text) == ADVISOR_MESSAGE_MAX_LENGTH


def test_a_customer_cannot_write_in_another_customers_thread(customer):
    other = make_customer()

    with pytest.raises(CareError) as refused:
        advisor_message_post(customer=other, text="Bonjour", actor=as_customer(customer), now=NOW)

    assert refused.value.code == CareErrorCode.ACTOR_NOT_HOLDER
    assert not AdvisorMessage.objects.exists()
