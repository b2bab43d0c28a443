"""The card PSP behind one protocol, `CardGateway`, and its implementation on Stripe's API.

`StripeGateway` speaks Stripe's API through the `stripe` SDK. Production points it at Stripe
(`GUICHET_STRIPE_API_BASE` empty); the demo and the tests point the same code at localstripe, a
Stripe-compatible server on 127.0.0.1. There is no other implementation.

How a card payment flows through it (payments.services.card):

1. a PaymentIntent for the amount is created, keyed `payment_attempt:{id}`, and a SetupIntent
   through which the browser hands the card to the PSP in the PSP's own fields (Stripe.js
   `confirmCardSetup`): card numbers go from the browser to the PSP, never through Guichet;
2. once the card is set up, the server attaches its PaymentMethod to the PaymentIntent and
   confirms it (server-side confirmation); a card asking for 3-D Secure is authenticated in the
   browser (Stripe.js `confirmCardPayment(client_secret)`);
3. the PSP's webhook says how it ended, and `payment_intent_retrieve` asks when we lost track.

Every call runs with no database transaction open, with a timeout and no automatic retry: a call
that may have reached the PSP without an answer raises `PspOutcomeUnknown`, and the attempt is
settled later by asking the PSP (`guichet payments reconcile`).
"""

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import stripe
from django.conf import settings

from guichet.payments.errors import PaymentError, PaymentErrorCode

CURRENCY = "eur"
STRIPE_API_BASE = "https://api.stripe.com"


class PspOutcomeUnknown(Exception):
    """The request may have reached the PSP, but no answer came back (timeout, connection
    dropped, server error): what happened is unknown until the PSP is asked again."""


class PspRefused(Exception):
    """The PSP answered and refused the request: nothing happened there. `code` is its error
    code (Stripe's `charge_already_refunded`…), when it gave one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class PspDeclined(Exception):
    """The PSP answered: the card was declined. `code` is its decline code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class WebhookSignatureInvalid(Exception):
    """A webhook whose signature does not match the shared secret (or is too old)."""


@dataclass(frozen=True)
class IntentState:
    """A PaymentIntent as the PSP sees it."""

    payment_intent_id: str
    status: str
    amount_cents: int
    currency: str
    failure_code: str = ""


@dataclass(frozen=True)
class RefundState:
    """A refund as the PSP sees it: `succeeded`, `pending` (the card network has not confirmed
    yet), `failed` or `canceled`."""

    refund_id: str
    status: str
    amount_cents: int
    failure_code: str = ""


@dataclass(frozen=True)
class CardSetupState:
    """Where the card collection stands: `succeeded` with the PaymentMethod to charge, or not."""

    status: str
    payment_method_id: str
    failure_code: str = ""


@dataclass(frozen=True)
class ClientSecrets:
    """What the customer's browser needs to talk to the PSP about this payment, and only it."""

    setup_intent: str
    payment_intent: str


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    type: str
    # The PaymentIntent the event is about, for payment_intent.* events; None otherwise.
    payment_intent: IntentState | None


class CardGateway(Protocol):
    publishable_key: str
    js_url: str

    def page_origins(self) -> list[str]: ...

    def customer_create(self, *, reference: str, idempotency_key: str) -> str: ...

    def payment_intent_create(
        self,
        *,
        amount_cents: int,
        customer_id: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentState: ...

    def setup_intent_create(self, *, customer_id: str, idempotency_key: str) -> str: ...

    def client_secrets(self, *, payment_intent_id: str, setup_intent_id: str) -> ClientSecrets: ...

    def card_setup(self, *, setup_intent_id: str) -> CardSetupState: ...

    def payment_intent_confirm(
        self, *, payment_intent_id: str, payment_method_id: str, idempotency_key: str
    ) -> IntentState: ...

    def payment_intent_retrieve(self, *, payment_intent_id: str) -> IntentState: ...

    def payment_intent_cancel(
        self, *, payment_intent_id: str, idempotency_key: str
    ) -> IntentState: ...

    def refund_create(
        self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str
    ) -> RefundState: ...

    def refund_retrieve(self, *, refund_id: str) -> RefundState: ...

    def webhook_event(self, *, payload: bytes, signature: str) -> WebhookEvent: ...


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _failure_code(error: Any) -> str:
    """The most precise code of a Stripe error object: the decline code, else the error code."""
    if not error:
        return ""
    values = error if isinstance(error, dict) else error.to_dict()
    return str(values.get("decline_code") or values.get("code") or "")


def _intent_state(intent: Any) -> IntentState:
    values = intent if isinstance(intent, dict) else intent.to_dict()
    return IntentState(
        payment_intent_id=str(values["id"]),
        status=str(values["status"]),
        amount_cents=int(values["amount"]),
        currency=str(values["currency"]),
        failure_code=_failure_code(values.get("last_payment_error")),
    )


def _refund_state(refund: Any) -> RefundState:
    values = refund if isinstance(refund, dict) else refund.to_dict()
    return RefundState(
        refund_id=str(values["id"]),
        status=str(values["status"]),
        amount_cents=int(values["amount"]),
        failure_code=str(values.get("failure_reason") or ""),
    )


class StripeGateway:
    """`CardGateway` on Stripe's API (or a server speaking it, such as localstripe)."""

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str,
        webhook_secret: str,
        api_base: str,
        js_url: str,
        timeout_seconds: float,
    ) -> None:
        self.publishable_key = publishable_key
        self.js_url = js_url
        self._webhook_secret = webhook_secret
        self._api_base = api_base or STRIPE_API_BASE
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": self._api_base},
            # No retry behind our back: an unanswered call is settled by asking the PSP again.
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
        )

    @classmethod
    def from_settings(cls) -> "StripeGateway":
        missing = [
            name
            for name in (
                "GUICHET_STRIPE_SECRET_KEY",
                "GUICHET_STRIPE_PUBLISHABLE_KEY",
                "GUICHET_STRIPE_WEBHOOK_SECRET",
            )
            if not getattr(settings, name)
        ]
        if missing:
            raise PaymentError(
                code=PaymentErrorCode.CARD_PAYMENTS_NOT_CONFIGURED,
                message="Le paiement par carte n'est pas disponible pour le moment.",
                extra={"missing_settings": missing},
            )
        return cls(
            secret_key=settings.GUICHET_STRIPE_SECRET_KEY,
            publishable_key=settings.GUICHET_STRIPE_PUBLISHABLE_KEY,
            webhook_secret=settings.GUICHET_STRIPE_WEBHOOK_SECRET,
            api_base=settings.GUICHET_STRIPE_API_BASE,
            js_url=settings.GUICHET_STRIPE_JS_URL,
            timeout_seconds=settings.GUICHET_STRIPE_TIMEOUT_SECONDS,
        )

    def page_origins(self) -> list[str]:
        """The PSP origins the payment page talks to: where Stripe.js and its frames come from,
        and the API it calls. The page's Content-Security-Policy lists exactly these."""
        return sorted({_origin(self.js_url), _origin(self._api_base)})

    def _call(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return request(*args, **kwargs)
        except stripe.CardError as error:
            code = _failure_code((error.json_body or {}).get("error")) or str(error.code or "")
            raise PspDeclined(code or "card_declined", error.user_message or str(error)) from None
        except (stripe.APIConnectionError, stripe.APIError) as error:
            raise PspOutcomeUnknown(f"{type(error).__name__}: {error}") from None
        except stripe.StripeError as error:
            raise PspRefused(f"{type(error).__name__}: {error}", code=error.code or "") from None

    def customer_create(self, *, reference: str, idempotency_key: str) -> str:
        customer = self._call(
            self._client.v1.customers.create,
            params={"metadata": {"customer_number": reference}},
            options={"idempotency_key": idempotency_key},
        )
        return str(customer.id)

    def payment_intent_create(
        self,
        *,
        amount_cents: int,
        customer_id: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentState:
        intent = self._call(
            self._client.v1.payment_intents.create,
            params={
                "amount": amount_cents,
                "currency": CURRENCY,
                "customer": customer_id,
                "metadata": metadata,
                "payment_method_types": ["card"],
            },
            options={"idempotency_key": idempotency_key},
        )
        return _intent_state(intent)

    def setup_intent_create(self, *, customer_id: str, idempotency_key: str) -> str:
        setup = self._call(
            self._client.v1.setup_intents.create,
            params={
                "customer": customer_id,
                "usage": "on_session",
                "payment_method_types": ["card"],
            },
            options={"idempotency_key": idempotency_key},
        )
        return str(setup.id)

    def client_secrets(self, *, payment_intent_id: str, setup_intent_id: str) -> ClientSecrets:
        setup = self._call(self._client.v1.setup_intents.retrieve, setup_intent_id)
        intent = self._call(self._client.v1.payment_intents.retrieve, payment_intent_id)
        return ClientSecrets(
            setup_intent=str(setup.client_secret), payment_intent=str(intent.client_secret)
        )

    def card_setup(self, *, setup_intent_id: str) -> CardSetupState:
        setup = self._call(self._client.v1.setup_intents.retrieve, setup_intent_id).to_dict()
        method = setup.get("payment_method") or ""
        if isinstance(method, dict):
            method = method.get("id", "")
        return CardSetupState(
            status=str(setup["status"]),
            payment_method_id=str(method),
            failure_code=_failure_code(setup.get("last_setup_error")),
        )

    def payment_intent_confirm(
        self, *, payment_intent_id: str, payment_method_id: str, idempotency_key: str
    ) -> IntentState:
        # Attach, then confirm: two requests, each with its own key derived from the attempt's
        # (a key names one request with one set of parameters at the PSP).
        self._call(
            self._client.v1.payment_intents.update,
            payment_intent_id,
            params={"payment_method": payment_method_id},
            options={"idempotency_key": f"{idempotency_key}:payment_method"},
        )
        intent = self._call(
            self._client.v1.payment_intents.confirm,
            payment_intent_id,
            options={"idempotency_key": f"{idempotency_key}:confirm"},
        )
        return _intent_state(intent)

    def payment_intent_retrieve(self, *, payment_intent_id: str) -> IntentState:
        return _intent_state(
            self._call(self._client.v1.payment_intents.retrieve, payment_intent_id)
        )

    def payment_intent_cancel(self, *, payment_intent_id: str, idempotency_key: str) -> IntentState:
        intent = self._call(
            self._client.v1.payment_intents.cancel,
            payment_intent_id,
            options={"idempotency_key": f"{idempotency_key}:cancel"},
        )
        return _intent_state(intent)

    def refund_create(
        self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str
    ) -> RefundState:
        """Refund `amount_cents` of the intent's charge to its card. The key makes a request
        asked again (after a timeout) the same refund at the PSP, never a second one."""
        refund = self._call(
            self._client.v1.refunds.create,
            params={"payment_intent": payment_intent_id, "amount": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        return _refund_state(refund)

    def refund_retrieve(self, *, refund_id: str) -> RefundState:
        return _refund_state(self._call(self._client.v1.refunds.retrieve, refund_id))

    def webhook_event(self, *, payload: bytes, signature: str) -> WebhookEvent:
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise WebhookSignatureInvalid(str(error)) from None
        values = event.to_dict()
        data = values.get("data", {}).get("object") or {}
        intent = (
            _intent_state(data)
            if str(values["type"]).startswith("payment_intent.")
            and data.get("object") == "payment_intent"
            else None
        )
        return WebhookEvent(
            event_id=str(values["id"]), type=str(values["type"]), payment_intent=intent
        )


def card_gateway() -> CardGateway:
    """The configured card PSP."""
    return StripeGateway.from_settings()
