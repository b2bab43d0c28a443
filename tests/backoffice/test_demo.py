"""`make demo` shows the console: the demo advisor signs in with the demo password and finds
requests to process, a message waiting for an answer and an incident in progress."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from guichet.care.models import RequestKind, RequestStatus
from guichet.demo.personal_info import DEMO_ADVISOR_EMAIL
from guichet.demo.services import DEMO_PASSWORD, demo_data_create

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

pytestmark = pytest.mark.django_db


def test_the_demo_advisor_signs_in_and_finds_work_in_the_queues(loaded_catalog):
    demo_data_create(customers=8, seed=4, now=NOW)

    advisor = authenticate(username=DEMO_ADVISOR_EMAIL, password=DEMO_PASSWORD)
    assert advisor is not None and advisor.is_staff
    client = Client()
    client.force_login(advisor)
    queue = client.get("/conseiller/").context

    open_requests = {(r.kind, r.status) for r in queue["requests"]}
    assert (RequestKind.LINE_TRANSFER, RequestStatus.IN_PROGRESS) in open_requests
    assert (RequestKind.MOVE, RequestStatus.SUBMITTED) in open_requests
    assert [m.customer.user.email for m in queue["waiting_messages"]] == ["camille@demo.guichet.fr"]
    assert [t.customer.user.email for t in queue["tickets"]] == ["hugo@demo.guichet.fr"]
