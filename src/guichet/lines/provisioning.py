"""The network provisioning partner: what the network must do when a line changes SIM, is
suspended or reinstated. The operator's mediation platform sits behind it in production; the
local implementation records the commands (lines.models.ProvisioningCommand) in the act's
transaction, so a refused act sends nothing.
"""

from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from guichet.lines.models import Line, ProvisioningCommand


class NetworkProvisioning(Protocol):
    def sim_swap(self, line: Line, iccid: str, *, now: datetime) -> None: ...

    def suspend(self, line: Line, *, now: datetime) -> None: ...

    def reinstate(self, line: Line, *, now: datetime) -> None: ...


class LocalNetworkProvisioning:
    def sim_swap(self, line: Line, iccid: str, *, now: datetime) -> None:
        ProvisioningCommand.objects.create(
            line=line, command="sim_swap", iccid=iccid, created_at=now
        )

    def suspend(self, line: Line, *, now: datetime) -> None:
        ProvisioningCommand.objects.create(line=line, command="suspend", created_at=now)

    def reinstate(self, line: Line, *, now: datetime) -> None:
        ProvisioningCommand.objects.create(line=line, command="reinstate", created_at=now)


def network_provisioning() -> NetworkProvisioning:
    """The configured partner (setting GUICHET_NETWORK_PROVISIONING, a dotted class path)."""
    provisioning: NetworkProvisioning = import_string(settings.GUICHET_NETWORK_PROVISIONING)()
    return provisioning
