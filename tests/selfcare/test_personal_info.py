"""Compte's personal information and follow-up pages, and the lines' user, blocked calls and
box mailboxes, through HTTP as a signed-in customer."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.billing.models import BillingAccount
from guichet.billing.rules import format_eur_fr
from guichet.care.actors import Actor
from guichet.care.models import (
    AdvisorMessage,
    OrderKind,
    OrderStatus,
    Request,
    RequestKind,
    RequestStatus,
)
from guichet.care.selectors import advisor_queue
from guichet.care.services import (
    OrderItemIn,
    advisor_message_post,
    order_advance,
    order_create,
    request_open,
)
from guichet.customers.models import (
    AddressKind,
    ContactChannel,
    ContactPreference,
    ContactTopic,
    CustomerProfile,
    DirectoryListing,
    IdentityProof,
)
from guichet.customers.selectors import address_get
from guichet.lines.models import BlockedNumber, BoxMailbox, Line, ProvisioningCommand
from guichet.lines.services import line_activate, subscription_add
from tests.customers.builders import NOW, give_address, make_advisor, make_customer
from tests.lines.builders import make_account, make_catalog, make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalog():
    return make_catalog()


@pytest.fixture
def customer():
    return make_customer(first_name="Hugo", last_name="Lefebvre")


@pytest.fixture
def account(customer) -> BillingAccount:
    return make_account(customer)


@pytest.fixture
def mobile(account, catalog) -> Line:
    line = make_mobile_line(account)
    subscription_add(line=line, product=catalog["woot-100"], actor=SYSTEM, now=NOW)
    line_activate(line=line, actor=SYSTEM, now=NOW + timedelta(minutes=1))
    return line


@pytest.fixture
def box(account, catalog) -> Line:
    line = make_fixed_line(account)
    subscription_add(line=line, product=catalog["box-fibre"], actor=SYSTEM, now=NOW)
    line_activate(line=line, actor=SYSTEM, now=NOW + timedelta(minutes=1), commitment_months=12)
    return line


@pytest.fixture
def signed_in(client: Client, customer) -> Client:
    client.force_login(customer.user)
    return client


@pytest.fixture
def stranger_line() -> Line:
    other = make_customer(first_name="Inès", last_name="Autre")
    return make_mobile_line(make_account(other))


# Compte index --------------------------------------------------------------------------------


def test_account_index_shows_identity_completion_and_what_is_in_progress(
    signed_in, customer, mobile
):
    give_address(customer, AddressKind.BILLING)
    request_open(
        customer=customer, kind=RequestKind.PORTING_OUT, line=mobile, actor=SYSTEM, now=NOW
    )

    html = signed_in.get(reverse("selfcare:account")).content.decode()

    assert customer.number in html
    assert "Profil complété : 1 sur 6" in html
    assert reverse("selfcare:profile") in html
    assert "Portabilité sortante" in html
    assert reverse("selfcare:directory_listing") in html


# Identity -----------------------------------------------------------------------------------


def _pdf(name="acte.pdf", content=b"%PDF-1.7 acte de mariage"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_name_change_opens_a_request_and_leaves_the_name_as_it_is(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:identity"),
        {
            "first_name": "Hugo",
            "last_name": "Martin-Lefebvre",
            "reason": "marriage",
            "proof": _pdf(),
        },
    )

    request = Request.objects.get(customer=customer)
    assert response.status_code == 302
    assert response.url == reverse("selfcare:request_detail", args=[request.pk])
    assert request.kind == RequestKind.NAME_CHANGE
    assert request.payload["last_name"] == "Martin-Lefebvre"
    proof = IdentityProof.objects.get(customer=customer)
    assert (proof.request_id, proof.content_type) == (request.pk, "application/pdf")
    assert proof.file.read() == b"%PDF-1.7 acte de mariage"
    assert "acte" not in proof.file.name  # stored under a random name
    customer.refresh_from_db()
    assert customer.last_name == "Lefebvre"
    page = signed_in.get(reverse("selfcare:identity")).content.decode()
    assert "en cours d'examen" in page or "est en cours" in page


def test_a_name_change_to_the_same_name_is_refused_and_keeps_what_was_typed(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:identity"),
        {"first_name": "Hugo", "last_name": "Lefebvre", "reason": "marriage", "proof": _pdf()},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "sont ceux que nous connaissons déjà" in html
    assert 'value="Lefebvre"' in html
    assert not Request.objects.filter(customer=customer).exists()


def test_a_name_change_proof_must_be_a_pdf_or_an_image(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:identity"),
        {
            "first_name": "Hugo",
            "last_name": "Martin",
            "reason": "marriage",
            "proof": SimpleUploadedFile("acte.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )

    assert response.status_code == 400
    assert "doit être un PDF, une photo JPEG ou une image PNG" in response.content.decode()
    assert 'value="Martin"' in response.content.decode()
    assert not Request.objects.filter(customer=customer).exists()
    assert not IdentityProof.objects.exists()


# Profile ------------------------------------------------------------------------------------


def test_profile_is_saved_and_completes_the_indicator(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:profile"),
        {
            "birth_place": "  Lille ",
            "household_size": "3",
            "preferred_contact_time": "evening",
            "interests": ["travel", "streaming"],
        },
    )

    assert response.status_code == 302
    profile = CustomerProfile.objects.get(customer=customer)
    assert (profile.birth_place, profile.household_size, profile.preferred_contact_time) == (
        "Lille",
        3,
        "evening",
    )
    assert profile.interests == ["streaming", "travel"]
    html = signed_in.get(reverse("selfcare:account")).content.decode()
    assert "Profil complété : 3 sur 6" in html


def test_profile_refuses_a_household_of_zero(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:profile"), {"household_size": "0", "birth_place": "Lille"}
    )

    assert response.status_code == 400
    assert 'value="Lille"' in response.content.decode()
    assert not CustomerProfile.objects.filter(customer=customer).exists()


# Billing address ----------------------------------------------------------------------------


def test_billing_address_change_normalizes_it_and_the_account_uses_it(signed_in, customer, account):
    response = signed_in.post(
        reverse("selfcare:billing_address"),
        {
            "line1": " 3 place du Général de Gaulle ",
            "postcode": "59 000",
            "city": "Lille",
            "country": "FR",
        },
    )

    assert response.status_code == 302
    address = address_get(customer=customer, kind=AddressKind.BILLING)
    assert (address.line1, address.postcode, address.city) == (
        "3 place du Général de Gaulle",
        "59000",
        "LILLE",
    )
    account.refresh_from_db()
    assert account.billing_address_id == address.pk


def test_billing_address_with_a_bad_postcode_is_refused_with_what_was_typed(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:billing_address"),
        {"line1": "3 rue Nationale", "postcode": "9", "city": "Lille", "country": "FR"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "code postal" in html.lower()
    assert 'value="3 rue Nationale"' in html
    assert address_get(customer=customer, kind=AddressKind.BILLING) is None


# Contact preferences ------------------------------------------------------------------------


def test_contact_preferences_opt_in_to_offers_by_phone(signed_in, customer):
    form = {
        "invoices__email": "on",
        "usage_alerts__email": "on",
        "usage_alerts__sms": "on",
        "service_information__email": "on",
        "service_information__sms": "on",
        "offers__phone": "on",
    }
    response = signed_in.post(reverse("selfcare:contact_preferences"), form)

    assert response.status_code == 302
    choice = ContactPreference.objects.get(
        customer=customer, topic=ContactTopic.OFFERS, channel=ContactChannel.PHONE
    )
    assert choice.opted_in is True


def test_service_messages_cannot_all_be_turned_off(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:contact_preferences"),
        {"invoices__email": "on", "service_information__email": "on"},
    )

    assert response.status_code == 400
    assert "gardez au moins l&#x27;e-mail ou le SMS" in response.content.decode()
    assert not ContactPreference.objects.filter(customer=customer).exists()


# Directory listing --------------------------------------------------------------------------


def test_directory_listing_partial_with_both_protection_lists(signed_in, customer, catalog):
    give_address(customer, AddressKind.POSTAL)
    response = signed_in.post(
        reverse("selfcare:directory_listing"),
        {
            "listed": "yes",
            "first_name_initial_only": "on",
            "address_publication": "partial",
            "anti_prospecting": "on",
            "anti_reverse_lookup": "on",
        },
    )

    assert response.status_code == 302
    listing = DirectoryListing.objects.get(customer=customer)
    assert (listing.listed, listing.first_name_initial_only, listing.address_publication) == (
        True,
        True,
        "partial",
    )
    assert listing.anti_prospecting and listing.anti_reverse_lookup


def test_directory_listing_of_an_address_needs_a_postal_address(signed_in, customer, catalog):
    response = signed_in.post(
        reverse("selfcare:directory_listing"), {"listed": "yes", "address_publication": "full"}
    )

    assert response.status_code == 400
    assert "adresse postale" in response.content.decode()
    assert not DirectoryListing.objects.filter(customer=customer).exists()


# Contracts ----------------------------------------------------------------------------------


def test_contracts_list_each_line_with_its_summary_pdf(signed_in, mobile, box):
    html = signed_in.get(reverse("selfcare:contracts")).content.decode()

    assert "Woot 100 Go" in html
    assert "Bbox Fibre (exemple)" in html
    response = signed_in.get(reverse("selfcare:contract_pdf", args=[box.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "recapitulatif-contractuel-bbox-fibre-exemple" in response["Content-Disposition"]


def test_another_customers_contract_pdf_is_not_found(signed_in, stranger_line):
    assert (
        signed_in.get(reverse("selfcare:contract_pdf", args=[stranger_line.pk])).status_code == 404
    )


# Line user ----------------------------------------------------------------------------------


def test_declare_a_minor_user_of_the_mobile_line(signed_in, mobile):
    response = signed_in.post(
        reverse("selfcare:line_user", args=[mobile.pk]),
        {"user_name": "Léo Lefebvre", "user_is_minor": "on"},
    )

    assert response.status_code == 302
    mobile.refresh_from_db()
    assert (mobile.user_name, mobile.user_is_minor) == ("Léo Lefebvre", True)
    page = signed_in.get(reverse("selfcare:line_user", args=[mobile.pk])).content.decode()
    assert "Les conditions sont réunies" in page


def test_a_minor_user_needs_a_name(signed_in, mobile):
    response = signed_in.post(
        reverse("selfcare:line_user", args=[mobile.pk]), {"user_is_minor": "on"}
    )

    assert response.status_code == 400
    assert "Indiquez le nom de l&#x27;utilisateur" in response.content.decode()


def test_line_user_pages_of_a_box_or_another_customer_are_not_found(signed_in, box, stranger_line):
    assert signed_in.get(reverse("selfcare:line_user", args=[box.pk])).status_code == 404
    assert signed_in.get(reverse("selfcare:line_user", args=[stranger_line.pk])).status_code == 404


# Blocked calls ------------------------------------------------------------------------------


def test_block_then_unblock_a_number_pushes_both_commands_to_the_network(signed_in, mobile):
    url = reverse("selfcare:blocked_calls", args=[mobile.pk])

    response = signed_in.post(url, {"number": "06 99 88 77 66"})
    assert response.status_code == 302
    entry = BlockedNumber.objects.get(line=mobile)
    assert entry.number == "+33699887766"

    signed_in.post(reverse("selfcare:blocked_call_remove", args=[mobile.pk, entry.pk]))

    assert not BlockedNumber.objects.filter(line=mobile).exists()
    commands = ProvisioningCommand.objects.filter(line=mobile, command__startswith="call_barring")
    assert [(c.command, c.parameters["number"]) for c in commands.order_by("id")] == [
        ("call_barring_block", "+33699887766"),
        ("call_barring_unblock", "+33699887766"),
    ]


def test_blocking_an_invalid_number_is_refused_and_keeps_it_typed(signed_in, box):
    response = signed_in.post(reverse("selfcare:blocked_calls", args=[box.pk]), {"number": "12ab"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "n&#x27;est pas un numéro de téléphone valide" in html
    assert 'value="12ab"' in html


def test_blocked_calls_of_another_customers_line_are_not_found(signed_in, stranger_line):
    url = reverse("selfcare:blocked_calls", args=[stranger_line.pk])
    assert signed_in.get(url).status_code == 404
    assert signed_in.post(url, {"number": "0699887766"}).status_code == 404


# Box mailboxes ------------------------------------------------------------------------------


def test_box_main_address_then_secondary_addresses(signed_in, box, settings):
    settings.GUICHET_BOX_MAIL_DOMAIN = "guichet-box.fr"
    url = reverse("selfcare:box_mailboxes", args=[box.pk])

    assert (
        signed_in.post(
            url, {"mailbox": "primary", "primary-local_part": "Hugo.Lefebvre"}
        ).status_code
        == 302
    )
    assert (
        signed_in.post(url, {"mailbox": "secondary", "secondary-local_part": "famille"}).status_code
        == 302
    )

    html = signed_in.get(url).content.decode()
    assert "hugo.lefebvre@guichet-box.fr" in html
    assert "famille@guichet-box.fr" in html
    secondary = BoxMailbox.objects.get(line=box, is_primary=False)
    signed_in.post(reverse("selfcare:box_mailbox_remove", args=[box.pk, secondary.pk]))
    assert list(BoxMailbox.objects.filter(line=box).values_list("local_part", flat=True)) == [
        "hugo.lefebvre"
    ]


def test_a_taken_box_address_is_refused(signed_in, box, account):
    other_box = make_fixed_line(account)
    BoxMailbox.objects.create(line=other_box, local_part="famille", is_primary=True, created_at=NOW)

    response = signed_in.post(
        reverse("selfcare:box_mailboxes", args=[box.pk]),
        {"mailbox": "secondary", "secondary-local_part": "famille"},
    )

    assert response.status_code == 400
    assert "déjà prise" in response.content.decode()
    assert not BoxMailbox.objects.filter(line=box).exists()


def test_box_mailboxes_of_a_mobile_line_are_not_found(signed_in, mobile):
    assert signed_in.get(reverse("selfcare:box_mailboxes", args=[mobile.pk])).status_code == 404


# Orders and requests ------------------------------------------------------------------------


def test_order_detail_shows_its_steps_and_history_and_404s_for_another_customer(
    signed_in, customer, mobile, stranger_line
):
    order = order_create(
        customer=customer,
        kind=OrderKind.SIM_REPLACEMENT,
        line=mobile,
        items=[OrderItemIn(label="Carte SIM", quantity=1, unit_price_cents=1000)],
        actor=SYSTEM,
        now=NOW,
    )
    order_advance(
        order=order,
        to_status=OrderStatus.IN_PREPARATION,
        actor=SYSTEM,
        now=NOW + timedelta(hours=1),
    )
    stranger_order = order_create(
        customer=stranger_line.billing_account.customer,
        kind=OrderKind.ACCESSORY,
        items=[OrderItemIn(label="Coque", quantity=1, unit_price_cents=1500)],
        actor=SYSTEM,
        now=NOW,
    )

    assert "Carte SIM de remplacement" in signed_in.get(reverse("selfcare:orders")).content.decode()
    html = signed_in.get(reverse("selfcare:order_detail", args=[order.pk])).content.decode()
    assert 'class="step-done">Reçue' in html
    assert 'class="step-current">En préparation' in html
    assert format_eur_fr(1000) in html
    # French puts a space before the colon: "État : …", the total in the facts list.
    assert '<h2 id="status-title">État : En préparation</h2>' in html
    assert f"<dt>Total</dt><dd><strong>{format_eur_fr(1000)}</strong></dd>" in html
    assert "État:" not in html and "Total:" not in html
    assert (
        signed_in.get(reverse("selfcare:order_detail", args=[stranger_order.pk])).status_code == 404
    )


def test_request_detail_shows_due_date_and_404s_for_another_customer(
    signed_in, customer, mobile, stranger_line
):
    request = request_open(
        customer=customer, kind=RequestKind.TERMINATION, line=mobile, actor=SYSTEM, now=NOW
    )
    other = request_open(
        customer=stranger_line.billing_account.customer,
        kind=RequestKind.TERMINATION,
        line=stranger_line,
        actor=SYSTEM,
        now=NOW,
    )

    html = signed_in.get(reverse("selfcare:request_detail", args=[request.pk])).content.decode()
    assert request.due_date.strftime("%d/%m/%Y") in html
    assert 'class="step-current">Envoyée' in html
    assert '<h2 id="status-title">État : Envoyée</h2>' in html
    assert "État:" not in html
    assert "Résiliation" in signed_in.get(reverse("selfcare:requests")).content.decode()
    assert signed_in.get(reverse("selfcare:request_detail", args=[other.pk])).status_code == 404
    assert request.status == RequestStatus.SUBMITTED


# Messages -----------------------------------------------------------------------------------


def test_a_customer_message_joins_the_advisors_queue_and_the_answer_shows_last(signed_in, customer):
    response = signed_in.post(
        reverse("selfcare:messages"), {"text": "  Ma box clignote en rouge.  "}
    )

    assert response.status_code == 302
    [waiting] = advisor_queue()
    assert (waiting.customer, waiting.text) == (customer, "Ma box clignote en rouge.")
    advisor_message_post(
        customer=customer,
        text="Redémarrez-la, puis lancez le diagnostic.",
        actor=Actor.advisor(make_advisor()),
        now=timezone.now() + timedelta(minutes=1),
    )
    assert advisor_queue() == []
    html = signed_in.get(reverse("selfcare:messages")).content.decode()
    assert html.index("Ma box clignote") < html.index("Redémarrez-la")


def test_a_message_over_the_limit_is_refused_and_kept(signed_in, customer):
    text = "a" * 2001
    response = signed_in.post(reverse("selfcare:messages"), {"text": text})

    assert response.status_code == 400
    assert text in response.content.decode()
    assert not AdvisorMessage.objects.exists()


def test_pages_need_a_login(client, mobile):
    for url in (reverse("selfcare:identity"), reverse("selfcare:blocked_calls", args=[mobile.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("selfcare:login") in response.url
