"""Who performs an act: the customer in self-care, an advisor in the back office, or the system."""

from dataclasses import dataclass

from guichet.care.models import ActorKind
from guichet.customers.models import User


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    user: User | None = None

    def __post_init__(self) -> None:
        if (self.kind == ActorKind.SYSTEM) != (self.user is None):
            raise ValueError("A system actor has no user; a customer or an advisor has one")
        if self.kind == ActorKind.ADVISOR and self.user is not None and not self.user.is_staff:
            raise ValueError("An advisor actor must be a staff user")

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind=ActorKind.SYSTEM)

    @classmethod
    def customer(cls, user: User) -> "Actor":
        return cls(kind=ActorKind.CUSTOMER, user=user)

    @classmethod
    def advisor(cls, user: User) -> "Actor":
        return cls(kind=ActorKind.ADVISOR, user=user)

    @property
    def is_customer(self) -> bool:
        return self.kind == ActorKind.CUSTOMER
