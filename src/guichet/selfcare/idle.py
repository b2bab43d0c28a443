"""Signing out a customer who left the portal open: GUICHET_IDLE_TIMEOUT_SECONDS without a
request ends the session, whatever SESSION_COOKIE_AGE still allows."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

LAST_SEEN_KEY = "guichet_last_seen"
# Read once by the login page, to say why the customer is there.
IDLE_SIGNED_OUT_KEY = "guichet_idle_signed_out"
# The last-seen time is rewritten at most this often: a session write on every page would
# cost three queries each time, for a precision the timeout does not need.
LAST_SEEN_PRECISION_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if not isinstance(last_seen, (int, float)):
                request.session[LAST_SEEN_KEY] = now
            elif now - last_seen > settings.GUICHET_IDLE_TIMEOUT_SECONDS:
                logout(request)
                request.session[IDLE_SIGNED_OUT_KEY] = True
            elif now - last_seen >= LAST_SEEN_PRECISION_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


@receiver(user_logged_in)
def _seen_on_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = timezone.now().timestamp()
