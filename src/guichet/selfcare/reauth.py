"""Fresh authentication before sensitive acts (show the PUK, the porting code, change the
login email or the bank details…).

Signing in, or confirming the password (and the second step when the customer turned it on)
on the confirmation page, stamps the session; a sensitive page is served only within
GUICHET_REAUTH_SECONDS of that stamp, else the customer is sent to confirm and comes back.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, ParamSpec
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

SESSION_KEY = "guichet_authenticated_at"
P = ParamSpec("P")


def authentication_stamp(request: HttpRequest, *, now: datetime) -> None:
    request.session[SESSION_KEY] = now.timestamp()


def recently_authenticated(request: HttpRequest, *, now: datetime) -> bool:
    stamp = request.session.get(SESSION_KEY)
    if not isinstance(stamp, (int, float)):
        return False
    return 0 <= now.timestamp() - stamp <= settings.GUICHET_REAUTH_SECONDS


def reauthentication_url(next_path: str) -> str:
    return f"{reverse('selfcare:reauthenticate')}?{urlencode({'next': next_path})}"


def sensitive(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Serve the page only to a customer who authenticated within the window."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        if not recently_authenticated(request, now=timezone.now()):
            return redirect(reauthentication_url(request.get_full_path()))
        return view(*args, **kwargs)

    return wrapper


@receiver(user_logged_in)
def _stamp_on_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        authentication_stamp(request, now=timezone.now())
