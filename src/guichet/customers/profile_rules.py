"""How complete a customer's profile is, and what is missing: pure, from plain facts."""

from dataclasses import dataclass
from enum import StrEnum


class ProfileGap(StrEnum):
    """What the customer can still add; the order is the order the page lists them in."""

    BILLING_ADDRESS = "billing_address"
    POSTAL_ADDRESS = "postal_address"
    BIRTH_PLACE = "birth_place"
    HOUSEHOLD_SIZE = "household_size"
    PREFERRED_CONTACT_TIME = "preferred_contact_time"
    DIRECTORY_CHOICE = "directory_choice"


@dataclass(frozen=True)
class ProfileFacts:
    has_billing_address: bool
    has_postal_address: bool
    has_birth_place: bool
    has_household_size: bool
    has_preferred_contact_time: bool
    # The customer said whether to appear in the directory (CGS 11.1), either way.
    made_directory_choice: bool


@dataclass(frozen=True)
class ProfileCompletion:
    missing: tuple[ProfileGap, ...]

    @property
    def total(self) -> int:
        return len(ProfileGap)

    @property
    def done(self) -> int:
        return self.total - len(self.missing)

    @property
    def percent(self) -> int:
        # Rounded down: 100 % only when nothing is missing.
        return self.done * 100 // self.total


def profile_completion(facts: ProfileFacts) -> ProfileCompletion:
    present = {
        ProfileGap.BILLING_ADDRESS: facts.has_billing_address,
        ProfileGap.POSTAL_ADDRESS: facts.has_postal_address,
        ProfileGap.BIRTH_PLACE: facts.has_birth_place,
        ProfileGap.HOUSEHOLD_SIZE: facts.has_household_size,
        ProfileGap.PREFERRED_CONTACT_TIME: facts.has_preferred_contact_time,
        ProfileGap.DIRECTORY_CHOICE: facts.made_directory_choice,
    }
    return ProfileCompletion(missing=tuple(gap for gap in ProfileGap if not present[gap]))
