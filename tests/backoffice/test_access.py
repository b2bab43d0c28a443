"""Only advisors reach the console: a visitor is sent to the login page, a customer gets a 404,
and every act is a POST protected by CSRF."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guichet.care.models import RequestKind, RequestStatus
from guichet.care.services import advisor_message_post, request_open
from tests.backoffice.conftest import client_for
from tests.customers.builders import NOW, PASSWORD, as_customer, make_customer

pytestmark = pytest.mark.django_db

CONSOLE_PAGES = ["/conseiller/", "/conseiller/demarches/1/", "/conseiller/incidents/1/"]


def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back():
    response = Client().get("/conseiller/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/conseiller/"


def test_an_advisor_signing_in_lands_on_the_console_and_a_customer_on_their_home(advisor):
    advisor_lands = Client().post("/connexion/", {"username": advisor.email, "password": PASSWORD})
    customer = make_customer()
    customer_lands = Client().post(
        "/connexion/", {"username": customer.user.email, "password": PASSWORD}
    )

    assert advisor_lands["Location"] == "/conseiller/"
    assert customer_lands["Location"] == "/"


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_a_customer_cannot_reach_the_console(path):
    response = client_for(make_customer()).get(path)
    assert response.status_code == 404


def test_a_customer_cannot_act_on_a_request(mobile):
    customer = mobile.billing_account.customer
    demarche = request_open(
        customer=customer,
        kind=RequestKind.PORTING_OUT,
        actor=as_customer(customer),
        now=NOW,
        line=mobile,
    )
    response = client_for(customer).post(f"/conseiller/demarches/{demarche.pk}/take/")
    assert response.status_code == 404
    demarche.refresh_from_db()
    assert demarche.status == RequestStatus.SUBMITTED


def test_an_advisor_reaches_the_console(advisor_client):
    response = advisor_client.get("/conseiller/")
    assert response.status_code == 200
    assert "Console conseiller" in response.content.decode()


def test_console_acts_need_the_csrf_token(advisor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(advisor)
    response = client.post("/conseiller/demarches/1/take/")
    assert response.status_code == 403


def test_the_console_speaks_english_when_chosen(advisor_client):
    advisor_client.cookies["django_language"] = "en"
    page = advisor_client.get("/conseiller/").content.decode()
    assert "Advisor console" in page
    assert "Unanswered messages" in page


def test_the_queue_page_reads_in_a_fixed_number_of_queries(mobile, advisor_client):
    customer = mobile.billing_account.customer

    def queries_for_queue() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert advisor_client.get("/conseiller/").status_code == 200
        return len(queries)

    request_open(
        customer=customer,
        kind=RequestKind.PORTING_OUT,
        actor=as_customer(customer),
        now=NOW,
        line=mobile,
    )
    queries_for_queue()  # the session's first request writes it
    one = queries_for_queue()
    for other in (make_customer(), make_customer()):
        advisor_message_post(customer=other, text="Bonjour", actor=as_customer(other), now=NOW)
        request_open(
            customer=other,
            kind=RequestKind.DUPLICATE_INVOICE,
            actor=as_customer(other),
            now=NOW,
            payload={"invoice_number": "F2025-000001"},
        )
    # Session and user, then one query per queue (requests, tickets, messages, card payments
    # not credited, card refunds refused).
    assert (one, queries_for_queue()) == (7, 7)
