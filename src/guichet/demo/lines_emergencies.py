"""Demo content of the portal's "lines and emergencies" part: Hugo's box has a landline number
(so it has a porting code) and the reference of its fibre socket, as the installer recorded them
when the box was set up."""

from datetime import datetime

from guichet.care.actors import Actor
from guichet.catalog.models import Market
from guichet.customers.selectors import customer_get_by_login_email
from guichet.lines.emergencies import box_landline_assign, optical_outlet_reference_set
from guichet.lines.selectors import lines_for_customer

HUGO_LANDLINE = "09 72 41 18 36"
HUGO_OPTICAL_OUTLET_REFERENCE = "FI-7A3C-0042"


def lines_emergencies_demo_create(*, now: datetime) -> None:
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    assert hugo is not None
    box = next(line for line in lines_for_customer(customer=hugo) if line.market == Market.FIXED)
    installed_at = box.activated_at or now
    system = Actor.system()
    box_landline_assign(line=box, number=HUGO_LANDLINE, actor=system, now=installed_at)
    optical_outlet_reference_set(
        line=box, reference=HUGO_OPTICAL_OUTLET_REFERENCE, actor=system, now=installed_at
    )
