"""The portal's pages the browser tests walk. A new page is one line here: the axe walk visits
it as every persona, the mobile-layout walk checks it has no horizontal scroll."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PortalPage:
    name: str  # also the screenshot's file name (docs/screenshots/<name>.png)
    path: str
    heading: str  # how the page's <h1> starts, in French: proves it is the page expected


# The five sections, in the navigation's order, with their label in the navigation.
SECTIONS = (
    (PortalPage("accueil", "/", "Bonjour"), "Accueil"),
    (PortalPage("lignes", "/lignes/", "Mes lignes"), "Lignes"),
    (PortalPage("conso", "/conso/", "Ma conso"), "Conso"),
    (PortalPage("factures", "/factures/", "Mes factures"), "Factures"),
    (PortalPage("compte", "/compte/", "Mon compte"), "Compte"),
)

# Every page of the portal the persona can open without an id in its URL (sections first).
PAGES = (
    *(page for page, _ in SECTIONS),
    PortalPage("activite", "/compte/activite/", "Journal des activités"),
    PortalPage("trouver", "/que-souhaitez-vous-faire/?q=facture", "Que souhaitez-vous faire"),
    PortalPage("payer-les-impayes", "/factures/payer-les-impayes", "Régler vos factures impayées"),
)

# Pages known to scroll sideways on a 390 px phone, with why (a defect to fix in the page). The
# test expects exactly these: the day one fits, it fails until its line here is removed.
KNOWN_TOO_WIDE: dict[str, str] = {}
