"""The fixed network's eligibility service: which access (fibre, DSL, 4G box) the network offers
at an address, asked before a box moves there. Behind a protocol with a local implementation."""

from typing import Protocol

from guichet.lines.offer_rules import Eligibility, move_eligibility


class EligibilityService(Protocol):
    def eligibility(self, *, postcode: str) -> Eligibility:
        """Which fixed access the network offers at this postcode."""
        ...


class LocalEligibility:
    """Deterministic stand-in for the partner: answers from the postcode
    (lines.offer_rules.move_eligibility)."""

    def eligibility(self, *, postcode: str) -> Eligibility:
        return move_eligibility(postcode)


def eligibility_service() -> EligibilityService:
    return LocalEligibility()
