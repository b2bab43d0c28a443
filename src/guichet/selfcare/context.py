"""What every self-care page shows around its content: the five sections, the current one."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guichet.selfcare.registry import Section


@dataclass(frozen=True)
class NavigationEntry:
    section: Section
    label: str | Promise
    url: str
    icon: str  # the id of the symbol in static/selfcare/icons.svg


# The app description's five sections (seeds/000: "L'application propose 5 rubriques").
_SECTIONS = (
    (Section.HOME, _("Home"), "selfcare:home", "home"),
    (Section.LINES, _("Lines"), "selfcare:lines", "lines"),
    (Section.USAGE, _("Usage"), "selfcare:usage", "usage"),
    (Section.INVOICES, _("Invoices"), "selfcare:invoices", "invoices"),
    (Section.ACCOUNT, _("Account"), "selfcare:account", "account"),
)
# The first segment of a page's path tells its section (urls: one prefix per section).
_PREFIXES = {
    "lignes": Section.LINES,
    "conso": Section.USAGE,
    "factures": Section.INVOICES,
    "compte": Section.ACCOUNT,
}


def section_label(section: Section) -> str | Promise:
    return next(label for entry, label, _, _ in _SECTIONS if entry == section)


def current_section(path: str) -> Section:
    first = path.strip("/").split("/", 1)[0]
    return _PREFIXES.get(first, Section.HOME)


def portal(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "portal_sections": [
            NavigationEntry(section, label, reverse(url_name), icon)
            for section, label, url_name, icon in _SECTIONS
        ],
        "portal_current_section": current_section(request.path),
    }
