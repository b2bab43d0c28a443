"""The other requests an advisor completes from the console: the box move confirmed on its
date, the equipment return received or not returned, the change of name applied after the
proof is checked, and the kinds with no effect beyond their status moved through their
lifecycle. Each completion tells the customer, whose requests page shows the new status."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guichet.billing.models import OneOffCharge
from guichet.care.models import Activity, OutboxMessage, Request, RequestKind, RequestStatus
from guichet.care.services import request_open
from guichet.customers.models import AddressKind, NameChangeReason, User
from guichet.customers.selectors import address_get
from guichet.customers.services import customer_request_name_change
from guichet.lines import offer_services as offer
from guichet.lines.emergencies import unlock_code_request
from guichet.lines.models import EquipmentKind, Line, Ownership, ProvisioningCommand
from guichet.lines.selectors import equipment_for_line
from guichet.lines.services import equipment_register
from tests.backoffice.conftest import client_for
from tests.customers.builders import NOW, SYSTEM, as_customer, make_customer
from tests.lines.builders import new_imei

pytestmark = pytest.mark.django_db

ASKED = datetime(2025, 4, 12, 8, 0, tzinfo=UTC)


def _act(advisor: User, request: Request, action: str, at: datetime, data: dict | None = None):
    """The advisor POSTs an act at `at`, signed in then (the idle sign-out counts time)."""
    with time_machine.travel(at, tick=False):
        client = Client()
        client.force_login(advisor)
        return client.post(f"/conseiller/demarches/{request.pk}/{action}/", data or {})


def _holder_actor(line: Line):
    return as_customer(line.billing_account.customer)


# Box move --------------------------------------------------------------------------------------


def _move(box: Line) -> Request:
    return offer.box_move_request(
        line=box,
        street="3 rue des Lilas",
        postcode="75011",
        city="Paris",
        move_date=date(2025, 5, 2),
        actor=_holder_actor(box),
        now=ASKED,
    )


def test_a_move_is_confirmed_on_its_date_with_the_partners_new_access(box, advisor, advisor_client):
    request = _move(box)
    holder = box.billing_account.customer
    moved = datetime(2025, 5, 2, 12, 0, tzinfo=UTC)
    page = advisor_client.get(f"/conseiller/demarches/{request.pk}/").content.decode()
    assert "3 rue des Lilas, 75011 Paris" in page
    assert f"/conseiller/demarches/{request.pk}/move_complete/" in page

    early = _act(advisor, request, "move_complete", datetime(2025, 5, 1, 12, 0, tzinfo=UTC))
    assert early.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert address_get(customer=holder, kind=AddressKind.INSTALLATION).postcode == "75002"

    _act(advisor, request, "move_complete", moved, {"access_reference": "FTTH-7501100042"})

    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    installation = address_get(customer=holder, kind=AddressKind.INSTALLATION)
    assert (installation.line1, installation.postcode, installation.city) == (
        "3 rue des Lilas",
        "75011",
        "PARIS",
    )
    box.refresh_from_db()
    assert box.access_reference == "FTTH-7501100042"
    command = ProvisioningCommand.objects.get(line=box, command="box_move")
    assert command.parameters["address"] == "3 rue des Lilas, 75011 Paris"
    assert OutboxMessage.objects.filter(customer=holder, template="request_completed").exists()
    page = client_for(holder).get(f"/compte/demarches/{request.pk}/").content.decode()
    assert "Terminée" in page


def test_a_move_is_rejected_only_with_a_reason_and_nothing_moves(box, advisor, advisor_client):
    request = _move(box)
    holder = box.billing_account.customer

    assert _act(advisor, request, "reject", ASKED, {"reason": ""}).status_code == 400
    _act(advisor, request, "reject", ASKED, {"reason": "Adresse inconnue du partenaire."})

    request.refresh_from_db()
    assert (request.status, request.resolution) == (
        RequestStatus.REJECTED,
        "Adresse inconnue du partenaire.",
    )
    assert address_get(customer=holder, kind=AddressKind.INSTALLATION).postcode == "75002"
    assert not ProvisioningCommand.objects.filter(line=box, command="box_move").exists()
    assert OutboxMessage.objects.filter(customer=holder, template="request_rejected").exists()


# Equipment return ------------------------------------------------------------------------------


def _equipment_return(box: Line) -> Request:
    offer.termination_request(line=box, actor=_holder_actor(box), now=ASKED)
    return offer.equipment_return_pending(line=box)


def test_equipment_received_completes_the_return(box, advisor, advisor_client):
    request = _equipment_return(box)
    page = advisor_client.get(f"/conseiller/demarches/{request.pk}/").content.decode()
    assert f"/conseiller/demarches/{request.pk}/equipment_received/" in page
    assert f"/conseiller/demarches/{request.pk}/reject/" not in page
    rented = request.payload["equipment_ids"]
    assert [item.pk for item in equipment_for_line(line=box)] == rented

    _act(advisor, request, "equipment_received", datetime(2025, 4, 25, 9, 0, tzinfo=UTC))

    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.resolution.startswith("Équipement reçu le")
    assert Activity.objects.filter(act="offer.equipment_return_close", subject_id=request.pk)
    # Back with the operator: no longer the customer's equipment.
    assert equipment_for_line(line=box) == []


def test_equipment_not_returned_closes_only_after_the_deadline_and_charges_no_fee(box, advisor):
    request = _equipment_return(box)
    # Termination on 22 April, 14 days to return the box: until 6 May included.
    assert request.payload["return_deadline"] == "2025-05-06"

    _act(advisor, request, "equipment_not_returned", datetime(2025, 5, 6, 9, 0, tzinfo=UTC))
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED

    _act(advisor, request, "equipment_not_returned", datetime(2025, 5, 7, 9, 0, tzinfo=UTC))
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert "Aucun frais de non-restitution" in request.resolution
    assert not OneOffCharge.objects.filter(billing_account=box.billing_account).exists()
    assert [item.pk for item in equipment_for_line(line=box)] == request.payload["equipment_ids"]


# Change of name --------------------------------------------------------------------------------


def _name_change(customer) -> Request:
    return customer_request_name_change(
        customer=customer,
        first_name="Camille",
        last_name="Durand",
        reason=NameChangeReason.MARRIAGE,
        proof=SimpleUploadedFile("acte.pdf", b"%PDF-1.4 acte de mariage", "application/pdf"),
        actor=as_customer(customer),
        now=ASKED,
    )


def test_the_advisor_reads_the_proof_and_applies_the_new_name(advisor, advisor_client):
    customer = make_customer()
    request = _name_change(customer)

    page = advisor_client.get(f"/conseiller/demarches/{request.pk}/").content.decode()
    proof_url = f"/conseiller/demarches/{request.pk}/justificatifs/"
    assert proof_url in page
    proof_id = page.split(proof_url, 1)[1].split("/", 1)[0]
    proof = advisor_client.get(f"{proof_url}{proof_id}/")
    assert (proof["Content-Type"], b"".join(proof.streaming_content)) == (
        "application/pdf",
        b"%PDF-1.4 acte de mariage",
    )
    assert client_for(customer).get(f"{proof_url}{proof_id}/").status_code == 404

    _act(advisor, request, "name_change_apply", ASKED)

    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Camille", "Durand")
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert Activity.objects.filter(act="customer.update_identity", customer=customer).exists()


def test_a_rejected_name_change_leaves_the_name(advisor, advisor_client):
    customer = make_customer()
    request = _name_change(customer)

    _act(advisor, request, "reject", ASKED, {"reason": "L'acte fourni est incomplet."})

    customer.refresh_from_db()
    assert customer.last_name == "Martin"
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED


# Kinds with no effect beyond their status ------------------------------------------------------


def test_a_withdrawal_refund_is_taken_in_hand_then_completed_with_how(mobile, advisor):
    # CGS 9: the line ends at once; the refund of what was paid beyond is the advisor's.
    request = offer.withdrawal(line=mobile, actor=_holder_actor(mobile), now=NOW)
    assert _act(advisor, request, "complete", NOW, {"resolution": "x"}).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED  # "complete" comes once in progress

    _act(advisor, request, "take", NOW)
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert _act(advisor, request, "complete", NOW, {"resolution": ""}).status_code == 400
    _act(advisor, request, "complete", NOW, {"resolution": "Remboursement de 4,20 € fait."})
    request.refresh_from_db()
    assert (request.status, request.resolution) == (
        RequestStatus.COMPLETED,
        "Remboursement de 4,20 € fait.",
    )


def test_a_termination_offers_no_manual_completion(mobile, advisor, advisor_client):
    request = offer.termination_request(line=mobile, actor=_holder_actor(mobile), now=ASKED)

    page = advisor_client.get(f"/conseiller/demarches/{request.pk}/").content.decode()
    _act(advisor, request, "complete", ASKED, {"resolution": "fait"})

    assert "/complete/" not in page
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


# The queue -------------------------------------------------------------------------------------


def test_the_queue_lists_open_requests_oldest_due_first_and_filters_by_kind(
    mobile, box, advisor_client
):
    move = _move(box)
    termination = offer.termination_request(
        line=mobile, actor=_holder_actor(mobile), now=datetime(2025, 4, 20, 8, 0, tzinfo=UTC)
    )
    porting = request_open(
        customer=mobile.billing_account.customer,
        kind=RequestKind.PORTING_OUT,
        actor=SYSTEM,
        now=datetime(2025, 4, 22, 8, 0, tzinfo=UTC),
        line=mobile,
    )

    response = advisor_client.get("/conseiller/")
    ids = [demarche.pk for demarche in response.context["requests"]]
    assert ids == [porting.pk, termination.pk, move.pk]  # due 25/04, 30/04, then none

    filtered = advisor_client.get("/conseiller/", {"kind": "move"})
    assert [demarche.pk for demarche in filtered.context["requests"]] == [move.pk]


# Unlock code -----------------------------------------------------------------------------------


class SilentMaker:
    """A maker that has not answered yet."""

    def unlock_code(self, *, imei: str, model: str) -> str | None:
        return None


def test_the_advisor_asks_the_maker_again_until_it_gives_the_code(mobile, advisor, settings):
    phone = equipment_register(
        customer=mobile.billing_account.customer,
        kind=EquipmentKind.PHONE,
        model="Galaxy S24",
        ownership=Ownership.OWNED,
        acquired_at=NOW,
        actor=SYSTEM,
        now=NOW,
        line=mobile,
        imei=new_imei(),
    )
    request = unlock_code_request(line=mobile, equipment=phone, actor=SYSTEM, now=NOW)
    settings.GUICHET_MANUFACTURER_CODES = "tests.backoffice.test_requests.SilentMaker"

    _act(advisor, request, "unlock_collect", ASKED)
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS

    settings.GUICHET_MANUFACTURER_CODES = "guichet.lines.partners.LocalManufacturerCodes"
    _act(advisor, request, "unlock_collect", ASKED)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.resolution.startswith("Code de désimlockage de votre Galaxy S24 : ")
