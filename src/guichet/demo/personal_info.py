"""Demo content of the portal's personal information and tracking part: Camille's short thread
with an advisor, Hugo's box email address and a number he blocked."""

from datetime import datetime, timedelta

from guichet.care.actors import Actor
from guichet.care.services import advisor_message_post
from guichet.catalog.models import Market
from guichet.customers.models import Customer, User
from guichet.lines.call_barring import blocked_number_add
from guichet.lines.mailboxes import box_mailbox_set_primary
from guichet.lines.selectors import lines_for_customer

DEMO_ADVISOR_EMAIL = "conseiller@demo.guichet.fr"


def demo_advisor() -> User:
    """The demo's advisor; `demo.backoffice` gives it the demo password for the console."""
    advisor = User.objects.filter(email=DEMO_ADVISOR_EMAIL).first()
    if advisor is None:
        advisor = User.objects.create_user(DEMO_ADVISOR_EMAIL, password=None, is_staff=True)
    return advisor


def demo_personal_info_create(*, camille: Customer, hugo: Customer, now: datetime) -> None:
    camille_actor = Actor.customer(camille.user)
    advisor = Actor.advisor(demo_advisor())
    advisor_message_post(
        customer=camille,
        text="Bonjour, je pars au Canada en février : mon forfait fonctionne-t-il là-bas ?",
        actor=camille_actor,
        now=now - timedelta(days=3, hours=2),
    )
    advisor_message_post(
        customer=camille,
        text="Bonjour Camille, le Canada est en zone 2 : vos appels et votre internet y sont"
        " facturés hors forfait. Un pass international vous fera faire des économies : il se"
        " souscrit dans Lignes > Options.",
        actor=advisor,
        now=now - timedelta(days=2, hours=5),
    )
    advisor_message_post(
        customer=camille,
        text="Merci beaucoup, je vais regarder les pass.",
        actor=camille_actor,
        now=now - timedelta(days=2, hours=1),
    )
    hugo_actor = Actor.customer(hugo.user)
    for line in lines_for_customer(customer=hugo):
        if line.market == Market.FIXED:
            box_mailbox_set_primary(
                line=line,
                local_part="hugo.lefebvre",
                actor=hugo_actor,
                now=now - timedelta(days=40),
            )
        else:
            blocked_number_add(
                line=line, number="0899123456", actor=hugo_actor, now=now - timedelta(days=10)
            )
