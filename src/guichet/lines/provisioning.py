"""The network provisioning adapter: how a setting chosen in self-care reaches the network
(the mobile core for the data mode, the box management platform for the Wi-Fi).

`GUICHET_PROVISIONING` names the implementation. The local one (demo, tests) applies the
command at once and logs it; a real one would send it to the operator's provisioning API and
leave the command SENT until the network acknowledges it. Every command is kept as a
`ProvisioningCommand` row, in the act's transaction, so what was asked is never lost.
"""

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from guichet.lines.models import Line, ProvisioningCommand, ProvisioningCommandStatus

logger = logging.getLogger(__name__)


class NetworkProvisioning(Protocol):
    def send(
        self, *, line: Line, command: str, parameters: Mapping[str, Any], now: datetime
    ) -> ProvisioningCommand: ...


class LocalNetworkProvisioning:
    """Applies every command at once: what a network that always answers yes would do."""

    def send(
        self, *, line: Line, command: str, parameters: Mapping[str, Any], now: datetime
    ) -> ProvisioningCommand:
        reference = f"LOCAL-{uuid.uuid4().hex[:12].upper()}"
        logger.info("provisioning %s for line %s: %s (%s)", command, line.pk, parameters, reference)
        return ProvisioningCommand.objects.create(
            line=line,
            command=command,
            parameters=dict(parameters),
            status=ProvisioningCommandStatus.APPLIED,
            reference=reference,
            sent_at=now,
            applied_at=now,
        )


def network_provisioning() -> NetworkProvisioning:
    implementation: NetworkProvisioning = import_string(settings.GUICHET_PROVISIONING)()
    return implementation
