"""The other side of the PSP in tests: what the customer's browser sends to it (the requests the
PSP's own script makes with the publishable key), the events it signs, and a slow network.

Card numbers are Stripe's test cards, which localstripe knows (localstripe/resources.py):
4242… succeeds; 4000…0002 (declined) and 4000…0069 (expired) are refused when the card is set
up; 4000…0341 is refused when charged; 4000 0025 0000 3155 asks for 3-D Secure.
"""

import hashlib
import hmac
import http.client
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from django.urls import reverse

from guichet.payments.psp import StripeGateway
from tests.conftest import STRIPE_TEST_KEYS

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_EXPIRED = "4000000000000069"
CARD_DECLINED_ON_CHARGE = "4000000000000341"
CARD_3DS = "4000002500003155"
TEST_CARDS = (CARD_OK, CARD_DECLINED, CARD_EXPIRED, CARD_DECLINED_ON_CHARGE, CARD_3DS)

SECRET_KEY = STRIPE_TEST_KEYS["GUICHET_STRIPE_SECRET_KEY"]
PUBLISHABLE_KEY = STRIPE_TEST_KEYS["GUICHET_STRIPE_PUBLISHABLE_KEY"]
WEBHOOK_SECRET = STRIPE_TEST_KEYS["GUICHET_STRIPE_WEBHOOK_SECRET"]


def _request(url: str, *, data: bytes | None = None, auth: bool = True) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {SECRET_KEY}"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def hand_card(
    psp_url: str, *, setup_client_secret: str, number: str, exp_year: str = "2030"
) -> int:
    """What Stripe.js does when the customer types a card and presses "Pay": the card goes
    from the browser to the PSP with the publishable key (stripe.confirmCardSetup), never to
    Guichet; a bank asking for 3-D Secure is answered "authenticated", as the holder would.
    Returns the PSP's HTTP status (402 for a card refused at setup)."""
    setup_id = setup_client_secret.split("_secret_")[0]
    confirm_url = f"{psp_url}/v1/setup_intents/{setup_id}/confirm"
    browser = {"key": PUBLISHABLE_KEY, "use_stripe_sdk": True, "client_secret": setup_client_secret}
    card = {"number": number, "exp_month": "12", "exp_year": exp_year, "cvc": "123"}
    body = {**browser, "payment_method_data": {"type": "card", "card": card}}
    status, answer = _request(confirm_url, data=json.dumps(body).encode(), auth=False)
    if status == 200 and answer["status"] == "requires_action":
        status, answer = _request(confirm_url, data=json.dumps(browser).encode(), auth=False)
    return status


def authenticate(psp_url: str, *, payment_client_secret: str, success: bool) -> int:
    """What Stripe.js does when the holder answers the bank's 3-D Secure challenge
    (stripe.confirmCardPayment on localstripe)."""
    intent_id = payment_client_secret.split("_secret_")[0]
    body = {"key": PUBLISHABLE_KEY, "client_secret": payment_client_secret}
    status, _ = _request(
        f"{psp_url}/v1/payment_intents/{intent_id}/_authenticate?success={str(success).lower()}",
        data=json.dumps(body).encode(),
        auth=False,
    )
    return status


def psp_list(psp_url: str, what: str) -> list[dict[str, Any]]:
    """Every object of a kind the PSP holds ("payment_intents", "charges", "events")."""
    status, body = _request(f"{psp_url}/v1/{what}?limit=100")
    assert status == 200, body
    return list(body["data"])


def psp_get(psp_url: str, what: str, object_id: str) -> dict[str, Any]:
    status, body = _request(f"{psp_url}/v1/{what}/{object_id}")
    assert status == 200, body
    return dict(body)


def event_payload(psp_url: str, *, event_type: str, payment_intent_id: str) -> bytes:
    """The PSP's event about this intent, as the bytes its webhook would post."""
    events = [
        event
        for event in psp_list(psp_url, "events")
        if event["type"] == event_type and event["data"]["object"]["id"] == payment_intent_id
    ]
    assert len(events) == 1, events
    return json.dumps(events[0], indent=2, sort_keys=True).encode()


def signature_header(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Stripe's `Stripe-Signature` header: HMAC-SHA256 of "<timestamp>.<payload>"."""
    timestamp = int(time.time()) if at is None else at
    signed = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


def post_webhook(client: Client, payload: bytes, *, signature: str | None = None) -> Any:
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        headers={"stripe-signature": signature or signature_header(payload)},
    )


def gateway_via(proxy: str, *, timeout_seconds: float) -> StripeGateway:
    """The configured gateway (the tests' keys, `stripe_settings`), its API calls sent to
    `proxy` (`slow_proxy`, `refusing_proxy`) and given up after `timeout_seconds`."""
    return StripeGateway(
        secret_key=settings.GUICHET_STRIPE_SECRET_KEY,
        publishable_key=settings.GUICHET_STRIPE_PUBLISHABLE_KEY,
        webhook_secret=settings.GUICHET_STRIPE_WEBHOOK_SECRET,
        api_base=proxy,
        js_url=settings.GUICHET_STRIPE_JS_URL,
        timeout_seconds=timeout_seconds,
    )


@contextmanager
def slow_proxy(target_url: str, *, delay_seconds: float, path_suffix: str) -> Iterator[str]:
    """A 127.0.0.1 proxy to the PSP that answers requests whose path ends with `path_suffix`
    only after `delay_seconds`: the request reaches the PSP and is done there, but a client
    with a shorter timeout never hears the answer."""
    with _proxy(target_url, path_suffix=path_suffix, delay_seconds=delay_seconds) as url:
        yield url


@contextmanager
def refusing_proxy(target_url: str, *, path_suffix: str, code: str) -> Iterator[str]:
    """A 127.0.0.1 proxy to the PSP that refuses the POSTs whose path ends with `path_suffix`
    as Stripe refuses an invalid request (HTTP 400, an `invalid_request_error` with `code`,
    such as `charge_already_refunded` for a charge refunded from the PSP's dashboard), without
    passing them on; every other request goes through."""
    error = {"type": "invalid_request_error", "code": code, "message": f"Refused: {code}."}
    with _proxy(target_url, path_suffix=path_suffix, refusal={"error": error}) as url:
        yield url


@contextmanager
def _proxy(
    target_url: str,
    *,
    path_suffix: str,
    delay_seconds: float = 0,
    refusal: dict[str, Any] | None = None,
) -> Iterator[str]:
    target = urlsplit(target_url)

    class Forward(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            matches = self.path.split("?")[0].endswith(path_suffix)
            if matches and refusal is not None and self.command == "POST":
                self._answer(400, "application/json", json.dumps(refusal).encode())
                return
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host"}}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
            if matches:
                time.sleep(delay_seconds)
            self._answer(answer.status, answer.getheader("Content-Type", ""), content)

        def _answer(self, status: int, content_type: str, content: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that is the point of a slow proxy

        do_GET = do_POST = do_DELETE = _forward

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
