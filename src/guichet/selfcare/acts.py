"""The registry's acts as links for one customer: the acts of their lines' markets, each with
the URL of the page that performs it (one per eligible line for the acts on a line)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language

from guichet.lines.emergencies import is_fibre_box_line, line_has_sim
from guichet.lines.models import Line, LineStatus
from guichet.selfcare.context import section_label
from guichet.selfcare.registry import Access, Market, RegisteredAct, Scope, Section, acts_for


@dataclass(frozen=True)
class ActLink:
    act: RegisteredAct
    label: str
    url: str
    line: Line | None

    @property
    def section(self) -> str | Promise:
        """Where the act is in this portal (its section's name), which the page it opens
        belongs to; the seed's path names menus of the operator's app that this one has not."""
        return section_label(self.act.section)


def _eligible_lines(act: RegisteredAct, lines: list[Line]) -> list[Line]:
    return [
        line
        for line in lines
        if line.status != LineStatus.TERMINATED
        and (act.market == Market.BOTH or line.market == act.market)
        and _has(line, act.needs)
    ]


def _has(line: Line, access: Access | None) -> bool:
    if access == Access.SIM:
        return line_has_sim(line)
    if access == Access.FIBRE:
        return is_fibre_box_line(line)
    return True


def acts_offered(*, lines: list[Line]) -> list[RegisteredAct]:
    """The acts these lines allow: the account's acts, and the line acts of a line that can
    take them (a fibre box is not offered the SIM acts of a 4G box)."""
    return [
        act
        for act in acts_for(markets={line.market for line in lines})
        if act.scope == Scope.ACCOUNT or _eligible_lines(act, lines)
    ]


def act_page_url(act: RegisteredAct, line: Line | None = None) -> str:
    kwargs = {"line_id": line.pk} if line is not None else {}
    return reverse(f"selfcare:{act.page}", kwargs=kwargs)


def act_links(
    *, lines: list[Line], section: Section | None = None, acts: list[RegisteredAct] | None = None
) -> list[ActLink]:
    """Links to the acts (default: all the acts of the lines' markets, of `section` if given)."""
    language = get_language() or "fr"
    chosen = (
        acts
        if acts is not None
        else acts_for(markets={line.market for line in lines}, section=section)
    )
    links: list[ActLink] = []
    for act in chosen:
        if act.scope == Scope.ACCOUNT:
            links.append(ActLink(act, act.label(language), act_page_url(act), None))
            continue
        for line in _eligible_lines(act, lines):
            links.append(ActLink(act, act.label(language), act_page_url(act, line), line))
    return links
