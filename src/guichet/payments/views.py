"""The PSP's side of card payments: the webhook it posts its events to. Parses, verifies, calls
one service, answers; no logic here."""

import logging

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.psp import WebhookSignatureInvalid, card_gateway
from guichet.payments.services.card import psp_event_receive
from guichet.payments.services.refunds import card_refunds_send_for

logger = logging.getLogger("guichet.payments")


def _error(code: PaymentErrorCode, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "extra": {}}, status=status)


# The PSP signs its events instead of sending our CSRF token: the signature is the check.
@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        gateway = card_gateway()
    except PaymentError as error:
        logger.error("PSP webhook received but card payments are not configured")
        return _error(error.code, error.message, status=503)
    try:
        event = gateway.webhook_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookSignatureInvalid as error:
        logger.warning(
            "PSP webhook refused, bad signature from %s: %s", request.META.get("REMOTE_ADDR"), error
        )
        return _error(
            PaymentErrorCode.WEBHOOK_SIGNATURE_INVALID,
            "La signature de l'événement est invalide.",
            status=400,
        )
    row = psp_event_receive(event=event, now=timezone.now())
    if row is not None and row.attempt is not None:
        card_refunds_send_for(attempt=row.attempt, now=timezone.now(), gateway=gateway)
    return JsonResponse({"received": event.event_id, "replayed": row is None})
