"""Authentication backend: a customer logs in with their email or their customer number."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from guichet.customers.models import User


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
        user = _user_for_login(username.strip())
        if user is None:
            # Same cost whether or not the login exists, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def _user_for_login(login: str) -> User | None:
    if "@" in login:
        return User.objects.filter(email__iexact=login).first()
    return User.objects.filter(customer__number=login.upper()).first()
