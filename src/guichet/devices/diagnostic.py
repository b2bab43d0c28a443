"""The guided check of a mobile or a box (Urgence & dépannage > Diagnostic): a decision tree.

Pure data and one walk function. A question node offers answers, each leading to another node;
a result node says what to do, and names the page of the next step (`next_page`: a URL name of
the portal, or "" when the customer can fix it alone). The walk is a path of answer keys from
the root, so the page holds no state: `?path=no-service.area-ok` reloads the same step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    MOBILE = "mobile"
    BOX = "box"


@dataclass(frozen=True)
class Answer:
    key: str
    label: str
    goes_to: str


@dataclass(frozen=True)
class Node:
    id: str
    text: str  # the question, or the result's advice
    answers: tuple[Answer, ...] = ()
    next_page: str = ""  # result only: the page of the next step
    next_label: str = ""

    @property
    def is_result(self) -> bool:
        return not self.answers


def _q(node_id: str, text: str, *answers: tuple[str, str, str]) -> Node:
    return Node(id=node_id, text=text, answers=tuple(Answer(*answer) for answer in answers))


def _r(node_id: str, text: str, next_page: str = "", next_label: str = "") -> Node:
    return Node(id=node_id, text=text, next_page=next_page, next_label=next_label)


_MOBILE = (
    _q(
        "root",
        "Quel est le problème avec votre mobile ?",
        ("no-service", "Je n'ai pas de réseau (« Aucun service »)", "m-area"),
        ("no-data", "Internet mobile ne fonctionne pas", "m-data"),
        ("sim-locked", "Mon mobile demande le code PUK", "m-puk"),
        ("broken", "Mon mobile est cassé ou ne s'allume plus", "m-broken"),
    ),
    _q(
        "m-area",
        "Y a-t-il un incident réseau en cours là où vous êtes ? Consultez la météo du réseau.",
        ("incident", "Oui, un incident est signalé", "m-wait"),
        ("no-incident", "Non, aucun incident", "m-restart"),
    ),
    _r(
        "m-wait",
        "Un incident réseau est en cours dans votre secteur : le service revient à la fin prévue"
        " de l'incident. Inutile de signaler un incident.",
        "network_status",
        "Voir la météo du réseau",
    ),
    _q(
        "m-restart",
        "Redémarrez votre mobile, puis retirez et remettez la carte SIM. Avez-vous du réseau ?",
        ("fixed", "Oui, c'est réglé", "m-fixed"),
        ("still", "Non, toujours pas", "m-sim"),
    ),
    _q(
        "m-sim",
        "Insérez votre carte SIM dans un autre mobile. Fonctionne-t-elle ?",
        ("works", "Oui, elle fonctionne dans un autre mobile", "m-device"),
        ("fails", "Non, elle ne fonctionne nulle part", "m-sim-broken"),
    ),
    _r(
        "m-sim-broken",
        "Votre carte SIM est défectueuse : commandez une carte SIM de remplacement.",
        "sim_replacement",
        "Commander une carte SIM",
    ),
    _r(
        "m-device",
        "La SIM fonctionne : le problème vient du mobile. Faites-le réparer.",
        "express_repair",
        "Demander une réparation express",
    ),
    _q(
        "m-data",
        "Les données mobiles sont-elles activées dans les réglages, hors mode avion ?",
        ("off", "Non, elles étaient désactivées", "m-fixed"),
        ("on", "Oui, elles sont activées", "m-apn"),
    ),
    _q(
        "m-apn",
        "Avez-vous épuisé votre enveloppe internet du mois ? Consultez votre suivi conso.",
        ("exhausted", "Oui, elle est épuisée", "m-exhausted"),
        ("left", "Non, il m'en reste", "m-ticket"),
    ),
    _r(
        "m-exhausted",
        "Au-delà de l'enveloppe, le débit est réduit : une recharge rétablit le débit.",
        "usage",
        "Voir ma conso",
    ),
    _r(
        "m-ticket",
        "Nous n'avons pas trouvé la cause : signalez un incident, un technicien l'examinera.",
        "tickets",
        "Signaler un incident",
    ),
    _r(
        "m-puk",
        "Le code PUK débloque la carte SIM après trois codes PIN erronés. Affichez-le, puis"
        " choisissez un nouveau code PIN.",
        "puk",
        "Afficher mon code PUK",
    ),
    _q(
        "m-broken",
        "Votre mobile est-il assuré ?",
        ("insured", "Oui, j'ai une assurance", "m-claim"),
        ("not-insured", "Non", "m-device"),
    ),
    _r(
        "m-claim",
        "Déclarez le sinistre à votre assureur : il prend en charge la réparation.",
        "insurance_claim",
        "Déclarer un sinistre",
    ),
    _r("m-fixed", "Tant mieux : le problème est réglé."),
)

_BOX = (
    _q(
        "root",
        "Quel est le problème avec votre box ?",
        ("no-internet", "Pas d'internet", "b-lights"),
        ("wifi", "Le Wi-Fi ne fonctionne pas, internet oui (en câble)", "b-wifi"),
        ("tv", "La TV ne fonctionne pas", "b-tv"),
    ),
    _q(
        "b-lights",
        "Que montre l'écran ou le voyant de la box ?",
        ("red", "Rouge ou clignotant", "b-area"),
        ("off", "Éteint", "b-power"),
        ("ok", "Normal (blanc ou vert)", "b-restart"),
    ),
    _q(
        "b-area",
        "Y a-t-il un incident réseau fixe en cours à votre adresse ?",
        ("incident", "Oui, un incident est signalé", "b-wait"),
        ("no-incident", "Non, aucun incident", "b-cable"),
    ),
    _r(
        "b-wait",
        "Un incident est en cours dans votre commune : internet revient à la fin prévue de"
        " l'incident.",
        "network_status",
        "Voir la météo du réseau",
    ),
    _q(
        "b-cable",
        "Vérifiez que le câble fibre ou ADSL est bien branché à la prise (PTO), puis redémarrez"
        " la box. Internet revient-il ?",
        ("fixed", "Oui, c'est réglé", "b-fixed"),
        ("still", "Non", "b-ticket"),
    ),
    _q(
        "b-power",
        "Branchez la box sur une autre prise électrique et appuyez sur le bouton marche."
        " S'allume-t-elle ?",
        ("on", "Oui", "b-restart"),
        ("dead", "Non", "b-repair"),
    ),
    _r(
        "b-repair",
        "Votre box ne s'allume plus : signalez un incident, nous vous enverrons une box de"
        " remplacement.",
        "tickets",
        "Signaler un incident",
    ),
    _q(
        "b-restart",
        "Redémarrez la box (débranchez-la 10 secondes). Internet revient-il ?",
        ("fixed", "Oui, c'est réglé", "b-fixed"),
        ("still", "Non", "b-ticket"),
    ),
    _q(
        "b-wifi",
        "Le Wi-Fi est-il activé sur la box et votre appareil est-il proche d'elle ?",
        ("off", "Le Wi-Fi était désactivé", "b-fixed"),
        ("on", "Oui, il est activé et proche", "b-restart"),
    ),
    _q(
        "b-tv",
        "Le décodeur TV est-il allumé et relié à la box par le câble fourni ?",
        ("unplugged", "Non, il était débranché", "b-fixed"),
        ("plugged", "Oui", "b-restart"),
    ),
    _r(
        "b-ticket",
        "Nous n'avons pas trouvé la cause : signalez un incident, un technicien l'examinera.",
        "tickets",
        "Signaler un incident",
    ),
    _r("b-fixed", "Tant mieux : le problème est réglé."),
)

TREES: dict[Kind, dict[str, Node]] = {
    Kind.MOBILE: {node.id: node for node in _MOBILE},
    Kind.BOX: {node.id: node for node in _BOX},
}


def walk(kind: Kind, path: tuple[str, ...]) -> tuple[Node, tuple[Node, ...]]:
    """The node reached by the answer keys `path` from the root, and the nodes passed on the
    way. Raises KeyError for an answer the node does not offer (a forged or stale path)."""
    tree = TREES[kind]
    node, passed = tree["root"], []
    for key in path:
        answer = next((answer for answer in node.answers if answer.key == key), None)
        if answer is None:
            raise KeyError(key)
        passed.append(node)
        node = tree[answer.goes_to]
    return node, tuple(passed)
