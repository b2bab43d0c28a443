"""What the bill run records in the usage context, in the invoice's transaction."""

from collections.abc import Mapping

from django.db.models import Case, Value, When

from guichet.usage.models import CarrierBillingPurchase, VodPurchase

PURCHASE_MODELS = {"carrier_billing": CarrierBillingPurchase, "vod": VodPurchase}


def purchases_bill(*, invoice_of: Mapping[tuple[str, int], int]) -> int:
    """Link each purchase (kind, id) to the invoice that bills it, one query per kind, when it
    is not billed yet. Returns how many were linked: fewer than asked means another bill run
    billed some meanwhile, and the caller rolls its invoices back."""
    linked = 0
    for kind, model in PURCHASE_MODELS.items():
        mine = {pk: invoice for (of, pk), invoice in invoice_of.items() if of == kind}
        if mine:
            linked += model.objects.filter(pk__in=mine, invoice__isnull=True).update(
                invoice_id=Case(*(When(pk=pk, then=Value(i)) for pk, i in mine.items()))
            )
    return linked
