"""Trouble tickets and the customers' message threads, from the console: an advisor adds a
note, moves a ticket through its TMF621-like lifecycle, and answers a waiting message."""

import pytest

from guichet.care.models import (
    AdvisorMessage,
    OutboxMessage,
    TicketNote,
    TicketSeverity,
    TicketStatus,
    TicketType,
)
from guichet.care.services import advisor_message_post, ticket_open
from tests.backoffice.conftest import client_for
from tests.customers.builders import NOW, as_customer, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    customer = make_customer()
    return ticket_open(
        customer=customer,
        ticket_type=TicketType.INCIDENT,
        severity=TicketSeverity.MAJOR,
        description="Ma box perd la connexion tous les soirs vers 21 h.",
        actor=as_customer(customer),
        now=NOW,
    )


def test_an_open_ticket_is_in_the_queue(ticket, advisor_client):
    response = advisor_client.get("/conseiller/")
    assert [open_ticket.pk for open_ticket in response.context["tickets"]] == [ticket.pk]


def test_the_advisor_adds_a_note_to_a_ticket(ticket, advisor, advisor_client):
    url = f"/conseiller/incidents/{ticket.pk}/note/"
    assert advisor_client.post(url, {"text": ""}).status_code == 400

    advisor_client.post(url, {"text": "Synchronisation DSL instable : test de ligne lancé."})

    note = TicketNote.objects.get(ticket=ticket)
    assert (note.author, note.actor_kind) == (advisor, "advisor")
    page = advisor_client.get(f"/conseiller/incidents/{ticket.pk}/").content.decode()
    assert "test de ligne lancé" in page


def test_the_advisor_moves_a_ticket_through_its_lifecycle(ticket, advisor_client):
    url = f"/conseiller/incidents/{ticket.pk}/statut/"
    customer = ticket.customer

    advisor_client.post(url, {"to_status": "resolved"})  # acknowledged → resolved: refused
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ACKNOWLEDGED

    advisor_client.post(url, {"to_status": "in_progress"})
    advisor_client.post(url, {"to_status": "resolved", "note": "Port DSLAM changé."})

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert TicketNote.objects.get(ticket=ticket).text == "Port DSLAM changé."
    assert OutboxMessage.objects.filter(customer=customer, template="ticket_resolved").exists()
    page = client_for(customer).get(f"/compte/incidents/{ticket.pk}/").content.decode()
    assert "Résolu" in page


def test_the_advisor_answers_a_waiting_message(advisor_client):
    customer = make_customer()
    waiting = advisor_message_post(
        customer=customer,
        text="Bonjour, mon forfait fonctionne-t-il au Canada ?",
        actor=as_customer(customer),
        now=NOW,
    )
    queue = advisor_client.get("/conseiller/")
    assert [message.pk for message in queue.context["waiting_messages"]] == [waiting.pk]

    url = f"/conseiller/messages/{customer.pk}/"
    assert advisor_client.post(url, {"text": " "}).status_code == 400
    advisor_client.post(url, {"text": "Oui, en zone 2 : hors forfait. Un pass existe."})

    waiting.refresh_from_db()
    assert waiting.answered_at is not None
    answer = AdvisorMessage.objects.filter(customer=customer, author_kind="advisor").get()
    assert answer.text == "Oui, en zone 2 : hors forfait. Un pass existe."
    assert advisor_client.get("/conseiller/").context["waiting_messages"] == []
    assert "Un pass existe" in client_for(customer).get("/compte/messages/").content.decode()
