"""The data mode and the box's Wi-Fi: services, provisioning commands and refusals."""

import pytest

from guichet.care.actors import Actor
from guichet.care.models import Activity
from guichet.lines.errors import LineSettingsError, LineSettingsErrorCode
from guichet.lines.models import (
    BoxWifi,
    DataUsageMode,
    ProvisioningCommand,
    ProvisioningCommandStatus,
)
from guichet.lines.selectors import box_wifi_get, data_mode_get
from guichet.lines.services import BoxWifiIn, box_wifi_set, line_set_data_mode
from tests.customers.builders import NOW
from tests.lines.builders import make_fixed_line, make_mobile_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(customer):
    return Actor.customer(customer.user)


def test_data_mode_defaults_to_allowed_and_is_sent_once_per_change(account, actor):
    line = make_mobile_line(account)
    assert data_mode_get(line=line) == DataUsageMode.ALLOWED

    line_set_data_mode(line=line, mode=DataUsageMode.BLOCKED, actor=actor, now=NOW)
    line_set_data_mode(line=line, mode=DataUsageMode.BLOCKED, actor=actor, now=NOW)

    assert data_mode_get(line=line) == DataUsageMode.BLOCKED
    assert ProvisioningCommand.objects.filter(line=line).count() == 1
    assert Activity.objects.filter(act="line.set_data_mode").count() == 1


def test_data_mode_of_a_box_is_refused(account, actor):
    line = make_fixed_line(account)

    with pytest.raises(LineSettingsError) as refusal:
        line_set_data_mode(line=line, mode=DataUsageMode.BLOCKED, actor=actor, now=NOW)

    assert refusal.value.code == LineSettingsErrorCode.NOT_A_MOBILE_LINE
    assert not ProvisioningCommand.objects.exists()


def test_wifi_starts_on_factory_settings_then_keeps_what_the_customer_set(account, actor):
    line = make_fixed_line(account)
    factory = box_wifi_get(line=line)
    assert factory.pk is None and factory.wifi_enabled and not factory.guest_enabled

    box_wifi_set(
        line=line,
        settings_in=BoxWifiIn("Chez nous", "correct horse battery", False, True),
        actor=actor,
        now=NOW,
    )

    wifi = box_wifi_get(line=line)
    assert (wifi.network_name, wifi.wifi_enabled, wifi.guest_enabled) == ("Chez nous", False, True)
    assert wifi.guest_key == factory.guest_key  # the guest key is the factory one
    command = ProvisioningCommand.objects.get(line=line)
    assert command.status == ProvisioningCommandStatus.APPLIED
    assert command.parameters["wifi_enabled"] is False
    assert "correct horse battery" not in str(command.parameters)


@pytest.mark.parametrize(
    ("name", "key", "code"),
    [
        ("", "correct horse battery", LineSettingsErrorCode.NETWORK_NAME_INVALID),
        ("Chez nous", "1234567", LineSettingsErrorCode.WIFI_KEY_INVALID),
        ("Chez nous", "x" * 64, LineSettingsErrorCode.WIFI_KEY_INVALID),
    ],
)
def test_bad_wifi_settings_are_refused_and_nothing_is_sent(account, actor, name, key, code):
    line = make_fixed_line(account)

    with pytest.raises(LineSettingsError) as refusal:
        box_wifi_set(line=line, settings_in=BoxWifiIn(name, key, True, False), actor=actor, now=NOW)

    assert refusal.value.code == code
    assert not BoxWifi.objects.exists()
    assert not ProvisioningCommand.objects.exists()
