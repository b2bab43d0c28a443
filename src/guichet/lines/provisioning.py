"""The network provisioning partner (HLR/HSS and the fixed network's eligibility service),
behind a protocol with a local implementation: acts call it after their change is saved, and
the partner's answer is recorded on the act's request."""

from dataclasses import dataclass
from typing import Protocol

from guichet.lines.offer_rules import Eligibility, move_eligibility


@dataclass(frozen=True)
class ProvisioningReceipt:
    reference: str  # the partner's order reference, kept on the request


class NetworkProvisioning(Protocol):
    def number_change(self, *, old_msisdn: str, new_msisdn: str, iccid: str) -> ProvisioningReceipt:
        """Move the SIM to the new number; the old number stops routing at once."""
        ...

    def eligibility(self, *, postcode: str) -> Eligibility:
        """Which fixed access the network offers at this postcode."""
        ...


class LocalProvisioning:
    """Deterministic stand-in for the partner: accepts every number change, answers the
    eligibility test from the postcode (lines.offer_rules.move_eligibility)."""

    def number_change(self, *, old_msisdn: str, new_msisdn: str, iccid: str) -> ProvisioningReceipt:
        return ProvisioningReceipt(reference=f"LOCAL-MSISDN-{iccid[-6:]}-{new_msisdn[-4:]}")

    def eligibility(self, *, postcode: str) -> Eligibility:
        return move_eligibility(postcode)


def provisioning() -> NetworkProvisioning:
    return LocalProvisioning()
