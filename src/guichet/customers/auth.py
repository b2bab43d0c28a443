"""Authentication backend: a customer logs in with their email or their customer number.

Every attempt is recorded; a login or an address with too many recent failures is refused
before the password is even checked (customers.rules, login throttling).
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone

from guichet.customers.models import User
from guichet.customers.selectors import login_locked_until
from guichet.customers.services import login_attempt_record


class LoginBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        now = timezone.now()
        ip_address = client_ip(request)
        if login_locked_until(login=username, ip_address=ip_address, now=now) is not None:
            return None
        user = _check_credentials(username.strip(), password)
        if user is not None and not self.user_can_authenticate(user):
            user = None
        login_attempt_record(
            login=username, ip_address=ip_address, succeeded=user is not None, now=now
        )
        return user


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR is the proxy's address behind one; the deployment sets it from the
    # X-Forwarded-For header it trusts (reverse proxy configuration), never from the client.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _check_credentials(login: str, password: str) -> User | None:
    user = _user_for_login(login)
    if user is None:
        # Same cost whether or not the login exists, so timing does not reveal accounts.
        User().set_password(password)
        return None
    return user if user.check_password(password) else None


def _user_for_login(login: str) -> User | None:
    if "@" in login:
        return User.objects.filter(email__iexact=login).first()
    return User.objects.filter(customer__number=login.upper()).first()
