"""The whole catalog as readable French text, or as JSON, for `guichet catalog show`.

Pure: takes a `schema.Catalog` (the current release, read from the database by the command) and
returns text; every entry is printed with its brochure source and its interpretation.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from guichet.catalog.schema import (
    Allowance,
    BoxOffer,
    Catalog,
    Delay,
    Fee,
    Option,
    Plan,
    Rate,
    RateTable,
    Route,
    Sourced,
    Terms,
    TopUp,
    cents,
    micro_eur,
    ratio,
)

PARIS = ZoneInfo("Europe/Paris")

CHARGING = {
    "first_minute_then_per_second": "1re minute indivisible puis à la seconde",
    "first_30s_then_per_second": "30 premières secondes indivisibles (*) puis à la seconde",
    "per_second": "à la seconde dès la 1re seconde (**)",
}
UNIT_LABELS = {"per_minute": "/min", "per_recipient": "/destinataire", "per_mo": "/Mo"}
DELAY_UNITS = {
    "calendar_days": ("jour", "jours"),
    "working_days": ("jour ouvré", "jours ouvrés"),
    "ouvrable_days": ("jour ouvrable", "jours ouvrables"),
    "weeks": ("semaine", "semaines"),
    "months": ("mois", "mois"),
    "years": ("an", "ans"),
    "hours": ("heure", "heures"),
}
EFFECTS = {"immediate": "immédiat", "next_renewal": "au prochain renouvellement mensuel"}
RENEWALS = {"monthly_tacit": "mensuelle, reconduite tacitement", "none": "sans reconduction"}
CHANNELS = {
    "selfcare": "Espace Client",
    "customer_service": "Service Client",
    "ivr": "serveur vocal",
}
USAGES = {
    "out_of_bundle": "tous les usages hors forfait",
    "premium_rate_calls": "appels surtaxés",
    "premium_rate_messages": "SMS/MMS surtaxés",
    "usage_abroad": "usages à l'étranger",
    "calls_received_abroad": "réception des appels à l'étranger",
    "international_calls_included_in_offer": "appels vers l'international compris dans l'offre",
    "communications_from_abroad_included_in_offer": (
        "communications depuis l'étranger comprises dans l'offre"
    ),
    "gallery_downloads": "téléchargements Gallery",
    "one_off_purchases": "achats à l'acte",
    "inappropriate_websites": "sites inappropriés pour un jeune public",
}
TERMINATION_CHANNELS = {
    "postal_mail": "courrier",
    "number_porting": "portage du numéro",
    "selfcare": "Espace Client",
}
LISTING = {
    "phone_number": "numéro",
    "last_name": "nom",
    "first_name_or_initials": "prénom ou initiales",
    "postal_address_full_or_partial": "adresse complète ou partielle",
    "email": "adresse électronique",
    "anti_prospecting": "liste anti-prospection",
    "anti_reverse_lookup": "liste anti-annuaire inversé",
    "partial_details": "coordonnées partielles",
}
LINE_TYPES = {"landline": "fixes", "mobile": "mobiles"}
COMPATIBILITY = {
    "included": "√ inclus et gratuit",
    "optional": "en option (payant)",
    "free_on_activation": "option gratuite à activer",
}
NUMBER_PRICING = {
    "free": "gratuit",
    "normal_call": "prix d'un appel normal",
    "first_minutes_free_then_plan": "premières minutes gratuites, puis décompte du forfait",
    "surcharged": "surtaxé",
}


def euros(amount_cents: int) -> str:
    """1299 → "12,99 €"."""
    whole, rest = divmod(amount_cents, 100)
    return f"{whole},{rest:02d} €"


def rate_euros(amount_micro_eur: int) -> str:
    """2160 → "0,00216 €", 1_500_000 → "1,50 €": as many decimals as the price needs, two at
    least."""
    value = Decimal(amount_micro_eur).scaleb(-6).normalize()
    text = f"{value:f}"
    if len(text.partition(".")[2]) < 2:
        text = f"{value.quantize(Decimal('0.01')):f}"
    return f"{text} €".replace(".", ",")


def day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def delay(value: Delay) -> str:
    singular, plural = DELAY_UNITS[value.unit]
    return f"{value.amount} {singular if value.amount == 1 else plural}"


class _Text:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def title(self, text: str) -> None:
        self.lines += ["", text.upper(), "=" * len(text)]

    def heading(self, text: str) -> None:
        self.lines += ["", text]

    def line(self, text: str, indent: int = 1) -> None:
        self.lines.append("  " * indent + text)

    def cited(self, entry: Sourced, indent: int = 1) -> None:
        self.line(f"Source : {entry.source}", indent)
        if entry.interpretation:
            self.line(f"Interprétation : {entry.interpretation}", indent)

    def render(self) -> str:
        return "\n".join(self.lines).strip("\n") + "\n"


def catalog_text(catalog: Catalog, *, checksum: str, loaded_at: datetime) -> str:
    out = _Text()
    _release(out, catalog, checksum, loaded_at)
    _plans(out, catalog)
    _zones(out, catalog)
    _rates(out, catalog)
    _options(out, "Options", catalog.options)
    _top_ups(out, catalog)
    _fees(out, catalog)
    _numbers(out, catalog)
    _multimedia(out, catalog)
    _compatibility(out, catalog)
    _bill_advance(out, catalog)
    _terms(out, catalog)
    _practical(out, catalog)
    _box_offers(out, catalog)
    return out.render()


def catalog_json(catalog: Catalog, *, checksum: str, loaded_at: datetime) -> dict[str, Any]:
    """The release, the catalog as validated, and what the loader computes from it (zone
    countries, rates in micro-euros, product prices in cents)."""
    return {
        "release": {
            "version": catalog.release.version,
            "checksum": checksum,
            "loaded_at": loaded_at.isoformat(),
        },
        "catalog": catalog.model_dump(mode="json"),
        "computed": {
            "zones": {
                zone.code: list(catalog.countries_in_zone(zone.code)) for zone in catalog.zones
            },
            "rates": [_rate_json(rate) for rate in catalog.rates],
            "products": [
                {
                    "code": product.code,
                    "kind": product.product_kind,
                    "market": product.market,
                    "name": product.name,
                    "price_cents": product.price_cents,
                    "is_sample": product.is_sample,
                }
                for product in catalog.products
            ],
        },
    }


def _rate_json(rate: Rate) -> dict[str, Any]:
    return {
        "table": rate.table,
        "direction": rate.direction,
        "service": rate.service,
        "origin": rate.origin,
        "destination": rate.destination,
        "travellers": rate.travellers,
        "price_micro_eur": rate.price_micro_eur,
        "unit": rate.unit,
        "charging": rate.charging,
        "source": rate.source,
        "interpretation": rate.interpretation,
    }


# -- sections ---------------------------------------------------------------------------------


def _release(out: _Text, catalog: Catalog, checksum: str, loaded_at: datetime) -> None:
    release = catalog.release
    out.lines.append(f"Catalogue {release.name} — version {release.version}")
    out.line(f"Chargé le {loaded_at.astimezone(PARIS):%d/%m/%Y à %H:%M} (heure de Paris)")
    out.line(f"Somme de contrôle des fichiers : {checksum}")
    out.line(f"Document source : {release.source_document} ({release.source_file})")
    out.line(f"Opérateur : {release.operator}, réseau {release.network}")
    out.line(f"Brochure valable du {day(release.valid_from)} au {day(release.valid_until)}")
    out.line(
        f"CGS applicables depuis le {day(release.terms_effective_from)}, CGVAD depuis le "
        f"{day(release.distance_selling_terms_effective_from)}"
    )
    vat = "TTC" if release.prices_include_vat else "HT"
    out.line(f"Prix en {release.currency} {vat} ; pays d'origine : {release.home_country}")
    out.line(f"Unités : {release.volume_units}")
    out.line(f"Règle de lecture : {release.reading_rule}")
    out.cited(release)


def _plans(out: _Text, catalog: Catalog) -> None:
    out.title("Forfaits")
    zone_labels = {zone.code: zone.label for zone in catalog.zones}
    for plan in catalog.plans:
        _plan(out, plan, zone_labels)


def _plan(out: _Text, plan: Plan, zone_labels: dict[str, str]) -> None:
    sample = " — EXEMPLE, hors brochure" if plan.is_sample else ""
    out.heading(f"{plan.name} ({plan.code}){sample}")
    out.line(
        f"{euros(plan.price_cents)}/mois, soit {euros(plan.list_price_cents)} - "
        f"{euros(plan.discount_cents)} de remise ; frais d'activation "
        f"({plan.activation_fee_label}) : {euros(plan.activation_fee_cents)}"
    )
    commitment = (
        "sans engagement" if plan.commitment_months == 0 else f"{plan.commitment_months} mois"
    )
    out.line(
        f"Engagement : {commitment} ; en vente du {day(plan.on_sale_from)} "
        f"au {day(plan.on_sale_until)}"
    )
    out.line(f"Résiliation : {plan.termination}")
    out.line(f"En France : {_allowance(plan.france)}")
    if plan.throttled_kbps is not None:
        out.line(f"Au-delà de l'enveloppe data : débit réduit à {plan.throttled_kbps} kb/s")
    out.line(
        f"Débits {plan.network_generation} théoriques : {plan.speed_down_mbps} Mb/s descendant, "
        f"{plan.speed_up_mbps} Mb/s montant. {plan.speed_remedy}"
    )
    international = "inclus" if plan.international_calls_included else "non inclus"
    out.line(f"Appels et SMS/MMS vers l'international : {international}")
    zones = ", ".join(zone_labels[zone] for zone in plan.roaming.zones)
    out.line(f"Depuis l'international ({zones}) : {_allowance(plan.roaming)}")
    if plan.france.interpretation:
        out.line(f"Interprétation (France) : {plan.france.interpretation}")
    if plan.roaming.interpretation:
        out.line(f"Interprétation (international) : {plan.roaming.interpretation}")
    fair_use = plan.fair_use
    out.line(
        f"Usage raisonnable : sur {fair_use.window_days} jours consécutifs, plus de "
        f"{fair_use.roaming_only_days_more_than} jours uniquement en itinérance et plus de "
        f"{_percent(fair_use.roaming_usage_share_more_than)} des consommations en itinérance "
        f"({', '.join(zone_labels[zone] for zone in fair_use.zones)}) : usages facturés "
        "après alerte"
    )
    out.cited(fair_use, indent=2)
    limits = plan.call_limits
    out.line(
        f"Limites des illimités : {limits.max_call_minutes // 60} h maximum par appel, "
        f"{limits.max_usage_hours_per_day} h/jour au plus, usage privé entre consommateurs"
    )
    out.cited(limits, indent=2)
    for service in plan.accessibility:
        credit = (
            f", crédit offert de {service.monthly_credit_minutes} min/mois"
            if service.monthly_credit_minutes
            else ""
        )
        out.line(f"{service.name} ({service.hours}{credit}) : {service.text}")
    out.cited(plan)


def _zones(out: _Text, catalog: Catalog) -> None:
    out.title("Zones tarifaires")
    names = {country.code: country.name for country in catalog.countries.country}
    for zone in catalog.zones:
        countries = catalog.countries_in_zone(zone.code)
        out.heading(f"{zone.name} (code {zone.code}, {len(countries)} pays)")
        if countries:
            out.line(", ".join(f"{code} {names[code]}" for code in countries))
        if zone.calling_codes:
            out.line("Indicatifs : " + ", ".join(f"+{code}" for code in zone.calling_codes))
        if zone.visited_network_mccs:
            out.line("Réseaux visités (MCC) : " + ", ".join(zone.visited_network_mccs))
        out.cited(zone)
    out.heading("Liste des pays")
    out.cited(catalog.countries)


def _rates(out: _Text, catalog: Catalog) -> None:
    out.title("Tarifs hors forfait (International §2)")
    out.heading("Règles de décompte")
    for rule in catalog.charging_rules:
        mark = rule.mark or "(sans renvoi)"
        out.line(f"{mark} {rule.code} : {rule.text}")
        out.cited(rule, indent=2)
    zone_labels = {zone.code: zone.label for zone in catalog.zones}
    for table in catalog.rate_tables:
        _rate_table(out, table, zone_labels)
    out.heading("Règles d'usage")
    for usage_rule in catalog.usage_rules:
        out.line(f"{usage_rule.code} ({usage_rule.pricing}) : {usage_rule.text}")
        out.cited(usage_rule, indent=2)


def _rate_table(out: _Text, table: RateTable, zone_labels: dict[str, str]) -> None:
    out.heading(f"{table.name} ({table.code}), en €{UNIT_LABELS[table.unit]}")
    out.cited(table)
    for cell in table.cell:
        price = micro_eur(cell.price_eur)
        where = _rate_place(cell.origin, cell.destination, zone_labels)
        text = "gratuit" if price == 0 else f"{rate_euros(price)}{UNIT_LABELS[table.unit]}"
        rule = cell.charging or table.charging
        if rule is not None and price != 0:
            text += f" — {CHARGING[rule]}"
        if cell.travellers == "non_occasional":
            text += " — voyageurs non occasionnels"
        out.line(f"{where} : {text}", indent=2)
        if cell.interpretation:
            out.line(f"Interprétation : {cell.interpretation}", indent=3)


def _rate_place(origin: str | None, destination: str | None, zone_labels: dict[str, str]) -> str:
    if origin is None:
        return f"France → {zone_labels[destination or '']}"
    if destination is None:
        return f"dans {zone_labels[origin]}"
    return f"{zone_labels[origin]} → {zone_labels[destination]}"


def _options(out: _Text, title: str, options: Iterable[Option]) -> None:
    out.title(title)
    for option in options:
        sample = " — EXEMPLE, hors brochure" if option.is_sample else ""
        out.heading(f"{option.name} ({option.code}){sample}")
        price = "gratuite" if option.price_cents == 0 else f"{euros(option.price_cents)}/mois"
        if option.free_months:
            offered = _count(option.free_months, "premier mois offert", "{} premiers mois offerts")
            price += f", {offered}"
        out.line(f"Prix : {price} ; forfaits : {', '.join(option.plans)}")
        out.line(option.description)
        notes = " ".join(option.footnotes) or "aucune"
        out.line(
            f"Souscription : effet {EFFECTS[option.subscription_effect]} ; modification : effet "
            f"{EFFECTS[option.change_effect]} ; durée : {RENEWALS[option.renewal]} ; "
            f"renvois : {notes}"
        )
        out.line("Canaux : " + ", ".join(CHANNELS[channel] for channel in option.channels))
        _option_rules(out, option)
        out.cited(option)


def _option_rules(out: _Text, option: Option) -> None:
    if option.family:
        out.line(f"Variante de la famille {option.family} : une seule à la fois")
    if option.allowance is not None:
        out.line(f"Inclus : {_allowance(option.allowance)}")
    if option.counting:
        out.line("Décompte : règles des pages International")
    for route in option.routes:
        out.line(_route(route))
    if option.data_countries:
        out.line("Data utilisable : " + ", ".join(option.data_countries))
    if option.roaming_zones:
        out.line("Valable aussi en zones : " + ", ".join(option.roaming_zones))
    if option.max_call_minutes:
        out.line(f"Durée maximale d'un appel : {option.max_call_minutes} min")
    if option.max_recipients_per_month:
        out.line(f"Destinataires différents par mois : {option.max_recipients_per_month} au plus")
    if option.announced_destination_count:
        out.line(f"Nombre de destinations annoncé : {option.announced_destination_count}")
    for exclusion in option.excluded_networks:
        out.line(f"Sauf l'opérateur {exclusion.network} ({exclusion.country})")
    for condition in option.conditions:
        out.line(f"Condition {condition.code} : {condition.text}")
    if option.blocks:
        out.line("Bloque : " + ", ".join(USAGES[usage] for usage in option.blocks))
    if option.keeps:
        out.line("Ne bloque pas : " + ", ".join(USAGES[usage] for usage in option.keeps))
    if option.incompatible_with:
        out.line("Incompatible avec : " + ", ".join(option.incompatible_with))


def _top_ups(out: _Text, catalog: Catalog) -> None:
    out.title("Recharges")
    for top_up in catalog.top_ups:
        _top_up(out, top_up)


def _top_up(out: _Text, top_up: TopUp) -> None:
    out.heading(f"{top_up.name} ({top_up.code})")
    validity = (
        f"{top_up.validity_days} jours à compter de l'activation"
        if top_up.validity_days is not None
        else "jusqu'au prochain renouvellement du forfait"
    )
    out.line(f"Prix : {euros(top_up.price_cents)} ; validité : {validity}")
    out.line(top_up.description)
    if top_up.allowance is not None:
        out.line(f"Inclus : {_allowance(top_up.allowance)}")
    if top_up.restores_plan_data_in:
        out.line(
            f"Rétablit le volume data du forfait en {top_up.restores_plan_data_in}, "
            f"{'reportable' if top_up.carry_over else 'non reportable'}"
        )
    for route in top_up.routes:
        out.line(_route(route))
    if top_up.data_countries:
        out.line("Data utilisable : " + ", ".join(top_up.data_countries))
    notes = " ".join(top_up.footnotes) or "aucun"
    out.line(f"Renvois : {notes} ; forfaits : {', '.join(top_up.plans)}")
    out.cited(top_up)


def _fees(out: _Text, catalog: Catalog) -> None:
    out.title("Services d'accompagnement (frais)")
    for fee in catalog.fees:
        _fee(out, fee)
    deposit = catalog.security_deposit
    out.heading(f"Dépôt de garantie : {euros(deposit.amount_cents)}")
    out.cited(deposit)


def _fee(out: _Text, fee: Fee) -> None:
    unit = "par acte" if fee.per == "act" else "par modification"
    price = "gratuit" if fee.price_cents == 0 else f"{euros(fee.price_cents)} {unit}"
    out.heading(f"{fee.name} ({fee.code}) : {price}")
    for offer in fee.channel_price:
        price = "gratuit" if cents(offer.price_eur) == 0 else euros(cents(offer.price_eur))
        if offer.free_first_times:
            first = _count(offer.free_first_times, "la première fois", "les {} premières fois")
            price = f"gratuit {first}, puis {price}"
        out.line(f"{CHANNELS[offer.channel]} : {price}")
        if offer.interpretation:
            out.line(f"Interprétation : {offer.interpretation}", indent=2)
    out.cited(fee)


def _numbers(out: _Text, catalog: Catalog) -> None:
    out.title("Numéros particuliers")
    for number in catalog.numbers:
        digits = ", ".join((*number.numbers, *(f"{prefix}…" for prefix in number.prefixes)))
        recognised = digits or "reconnu par le ticket d'usage"
        out.heading(f"{number.name} ({number.code}) : {recognised}")
        details = [NUMBER_PRICING[number.pricing]]
        if number.free_first_minutes:
            free = _count(number.free_first_minutes, "1re minute gratuite", "{} minutes gratuites")
            details.append(free)
        if number.over_allowance_per_minute_micro_eur is not None:
            price = rate_euros(number.over_allowance_per_minute_micro_eur)
            details.append(f"{price}/min au-delà du forfait")
        if number.per_call_micro_eur is not None:
            details.append(f"{rate_euros(number.per_call_micro_eur)}/appel")
        if number.per_minute_micro_eur is not None:
            details.append(f"{rate_euros(number.per_minute_micro_eur)}/min")
        if number.plus_normal_call:
            details.append("+ prix d'un appel normal")
        out.line(" ; ".join(details))
        out.cited(number)


def _multimedia(out: _Text, catalog: Catalog) -> None:
    multimedia = catalog.multimedia
    out.title("Services multimédia")
    out.line(multimedia.transport)
    out.line(multimedia.third_party)
    out.cited(multimedia)
    for download in multimedia.download:
        transport = " + coût de transport" if download.plus_transport else ""
        out.heading(
            f"{download.name} ({download.code}) : de {euros(cents(download.min_price_eur))} "
            f"à {euros(cents(download.max_price_eur))}{transport}"
        )
        out.cited(download)


def _compatibility(out: _Text, catalog: Catalog) -> None:
    out.title("Tableau de compatibilité")
    for line in catalog.compatibility:
        products = f" → {', '.join(line.products)}" if line.products else ""
        out.heading(f"{line.name} : {COMPATIBILITY[line.status]}{products}")
        out.line(f"Forfaits : {', '.join(line.plans)}")
        out.cited(line)


def _bill_advance(out: _Text, catalog: Catalog) -> None:
    advance = catalog.bill_advance
    out.title("Avance sur facture")
    out.line(f"Forfaits : {', '.join(advance.plans)}")
    out.line(
        f"Nouveau client, tant que moins de {advance.new_customer_until_invoice_count} factures "
        f"ont été émises : seuil de {euros(advance.new_customer_threshold_cents)}"
    )
    multiplier = f"{ratio(advance.established_multiplier)}".replace(".", ",")
    out.line(
        f"Ensuite : {multiplier} fois la moyenne des "
        f"{advance.established_average_of_last_invoices} dernières factures"
    )
    out.line(
        f"Après un incident de paiement : {euros(advance.after_payment_incident_threshold_cents)} "
        f"pendant {advance.after_payment_incident_months} mois"
    )
    out.line(advance.amount_rule)
    out.line(advance.warning_rule)
    out.line(advance.at_subscription_rule)
    out.cited(advance)


def _terms(out: _Text, catalog: Catalog) -> None:
    terms = catalog.terms
    out.title("Conditions générales (paramètres appliqués)")
    _terms_subscription(out, terms)
    _terms_suspension(out, terms)
    _terms_money(out, terms)
    _terms_termination(out, terms)
    _terms_line(out, terms)
    _terms_service(out, terms)


def _terms_subscription(out: _Text, terms: Terms) -> None:
    subscription = terms.subscription
    _section(out, "Souscription", subscription)
    out.line(f"Réservée aux majeurs : {_yes(subscription.adults_only)}")
    out.line(f"Documents à distance : {'; '.join(subscription.distance_documents)}")
    out.line(f"Documents en point de vente : {'; '.join(subscription.retail_documents)}")
    _delays(
        out,
        ("Envoi des documents", subscription.documents_deadline),
        ("Changement de coordonnées à signaler sous", subscription.contact_change_notice),
    )
    activation = terms.activation
    _section(out, "Mise en service", activation)
    _delays(
        out,
        ("Usage avant la fin de la rétractation", activation.when_used_before_withdrawal_ends),
        ("Vente à distance sans usage anticipé", activation.distance_sale_after_withdrawal),
        ("Après réception du dépôt de garantie", activation.after_security_deposit),
        ("Activation après livraison (CGVAD)", activation.distance_sale_after_delivery),
        ("Résiliation sans frais sans solution après", activation.no_solution_termination),
        ("Signalement d'absence de couverture", activation.coverage_report),
    )


def _terms_suspension(out: _Text, terms: Terms) -> None:
    out.heading("Causes de suspension (CGS 2.4)")
    for cause in terms.suspension_cause:
        billing = "facturation maintenue" if cause.billing_continues else "facturation arrêtée"
        out.line(f"{cause.code} : {cause.text} ({billing})")
        out.cited(cause, indent=2)
    _section(out, "Interruption de service", terms.service_interruption)
    out.line("Dédommagement sur demande, au prorata temporis")


def _terms_money(out: _Text, terms: Terms) -> None:
    prices = terms.price_changes
    _section(out, "Évolution des prix", prices)
    _delays(
        out,
        ("Indexation annoncée", prices.indexation_notice),
        ("Autre modification annoncée", prices.other_change_notice),
        ("Résiliation sans frais possible pendant", prices.termination_window),
    )
    out.line(f"Indice : {prices.indexation_index}")
    out.line("Sans résiliation sans frais : " + "; ".join(prices.termination_window_exceptions))
    deposit = terms.security_deposit
    _section(out, "Dépôt de garantie", deposit)
    for condition in deposit.causes:
        out.line(f"Cas {condition.code} : {condition.text}")
    _delays(
        out,
        ("Restitution après disparition du motif", deposit.refund_after_cause_disappears),
        ("Restitution après la fin du contrat", deposit.refund_after_contract_end),
    )
    billing = terms.billing
    _section(out, "Facturation", billing)
    _delays(out, ("Pré-notification du prélèvement", billing.direct_debit_prenotice))


def _terms_termination(out: _Text, terms: Terms) -> None:
    termination = terms.termination
    _section(out, "Résiliation", termination)
    _delays(out, ("Préavis", termination.notice))
    out.line(f"Adresse : {termination.postal_address}")
    channels = ", ".join(TERMINATION_CHANNELS[channel] for channel in termination.channels)
    out.line(f"Canaux : {channels}")
    lost = _yes(termination.promotion_lost_during_commitment)
    out.line(f"Promotion perdue en cas de résiliation pendant l'engagement : {lost}")
    for rule in termination.fee_rule:
        period = _period(rule.subscribed_from, rule.subscribed_before)
        beyond = _percent(rule.beyond_first_year_share)
        if rule.beyond_first_year_requires_subsidised_device:
            beyond += " (si terminal subventionné, 0 % sinon)"
        out.line(
            f"Frais {rule.code}, souscriptions {period} : {_percent(rule.first_year_share)} des "
            f"redevances restantes de la 1re année, puis {beyond} des suivantes"
        )
        out.cited(rule, indent=2)
    for reason in termination.legitimate_reasons:
        out.line(f"Motif légitime {reason.code} : {reason.text}")
    for cause in termination.operator_termination_causes:
        out.line(f"Résiliation par l'opérateur, {cause.code} : {cause.text}")
    withdrawal = terms.withdrawal
    _section(out, "Rétractation", withdrawal)
    _delays(
        out,
        ("Délai", withdrawal.period),
        ("Remboursement", withdrawal.refund),
        ("Retour du produit", withdrawal.product_return),
        ("Après un changement d'offre", withdrawal.offer_change_period),
    )


def _terms_line(out: _Text, terms: Terms) -> None:
    porting = terms.porting
    _section(out, "Portabilité", porting)
    _delays(
        out,
        ("Portage", porting.delay),
        ("Fixe résilié depuis moins de", porting.fixed_line_terminated_within),
    )
    out.line(
        f"RIO de {porting.porting_code_length} caractères ; retard : "
        f"{_percent(porting.delay_compensation_share_per_day)} du prix mensuel par jour ; perte "
        f"du numéro : {porting.number_loss_compensation_months} fois le prix mensuel"
    )
    listing = terms.directory_listing
    _section(out, "Annuaire universel", listing)
    fields = ", ".join(LISTING[field] for field in listing.listable_fields)
    out.line(f"Gratuit : {_yes(listing.free)} ; données : {fields}")
    restrictions = ", ".join(LISTING[restriction] for restriction in listing.restrictions)
    out.line(f"Restrictions possibles : {restrictions}")
    transfer = terms.line_transfer
    _section(out, "Cession de ligne", transfer)
    out.line(
        f"Gratuite : {_yes(transfer.free)} ; sommes dues réglées avant : "
        f"{_yes(transfer.requires_all_sums_settled)}"
    )


def _terms_service(out: _Text, terms: Terms) -> None:
    usage = terms.usage
    _section(out, "Usages", usage)
    out.line(f"Appel de plus de {usage.max_call_minutes} min interdit")
    out.line(f"Usage raisonnable : {usage.fair_use_zones_text}")
    for forbidden in usage.forbidden_uses:
        out.line(f"Interdit : {forbidden}")
    complaints = terms.complaints
    _section(out, "Réclamations", complaints)
    _delays(
        out,
        ("Réponse moyenne du Service Client", complaints.customer_service_average_response),
        ("Réponse maximale du Service Client", complaints.customer_service_max_response),
        ("Réponse du Service Consommateurs", complaints.consumer_service_response),
    )
    out.line(f"Médiateur : {complaints.mediator}")
    selling = terms.distance_selling
    _section(out, "Vente à distance (CGVAD)", selling)
    out.line(f"Livraison : {selling.delivery_area}")
    _delays(
        out,
        ("Élément manquant à signaler sous", selling.missing_item_report),
        ("Garantie légale de conformité", selling.legal_conformity_guarantee),
        ("Garantie des vices cachés", selling.hidden_defects_guarantee),
    )


def _practical(out: _Text, catalog: Catalog) -> None:
    practical = catalog.practical
    out.title("Infos pratiques")
    sms = practical.sms
    out.heading(
        f"SMS : {sms.standard_characters} caractères, {sms.special_characters} avec caractères "
        f"spéciaux ; signalement de spam au {sms.spam_report_number}"
    )
    out.line(sms.text)
    out.line(sms.spam_report_text)
    out.line(sms.keywords_text)
    out.cited(sms)
    out.heading("Vol")
    for step in practical.theft.steps:
        out.line(f"- {step}")
    out.cited(practical.theft)
    for title, info in (
        ("Perte", practical.loss),
        ("Où souscrire", practical.subscription_channels),
        ("Régions frontalières", practical.border_regions),
        ("Déplacement en bateau", practical.boat),
    ):
        out.heading(title)
        out.line(info.text)
        out.cited(info)
    out.heading("Web inclus ou débit ajusté")
    out.line(practical.data_modes.blocked_when_exhausted)
    out.line(practical.data_modes.throttled)
    out.cited(practical.data_modes)
    out.heading("Hors forfait et au-delà du forfait")
    out.line(practical.usage_terms.out_of_bundle)
    out.line(practical.usage_terms.over_allowance)
    out.cited(practical.usage_terms)


def _box_offers(out: _Text, catalog: Catalog) -> None:
    out.title("Offres box (EXEMPLE, hors brochure)")
    for offer in catalog.box_offers:
        _box_offer(out, offer)
    _options(out, "Options box (EXEMPLE, hors brochure)", catalog.box_options)


def _box_offer(out: _Text, offer: BoxOffer) -> None:
    sample = " — EXEMPLE, hors brochure" if offer.is_sample else ""
    out.heading(f"{offer.name} ({offer.code}){sample}")
    out.line(
        f"{euros(offer.price_cents)}/mois, frais d'activation {euros(offer.activation_fee_cents)}, "
        f"engagement {offer.commitment_months} mois, {offer.technology} "
        f"{offer.speed_down_mbps} Mb/s descendant / {offer.speed_up_mbps} Mb/s montant"
    )
    for included in offer.includes:
        out.line(f"Inclus : {included}")
    for equipment in offer.equipment:
        rented = "loué" if equipment.rented else "vendu"
        returned = ", à restituer" if equipment.return_required else ""
        out.line(
            f"Équipement {equipment.name} ({equipment.code}) : {rented}, "
            f"{euros(cents(equipment.monthly_price_eur))}/mois{returned}"
        )
    out.cited(offer)


# -- helpers ----------------------------------------------------------------------------------


def _allowance(allowance: Allowance) -> str:
    parts = []
    if allowance.voice_unlimited:
        parts.append("appels illimités")
    elif allowance.voice_minutes is not None:
        parts.append(f"{allowance.voice_minutes} min d'appels")
    if allowance.sms_unlimited:
        parts.append("SMS illimités")
    elif allowance.sms is not None:
        parts.append(f"{allowance.sms} SMS")
    if allowance.mms_unlimited:
        parts.append("MMS illimités")
    if allowance.data is not None:
        converted = f" ({allowance.data_mo} Mo)" if allowance.data.endswith("Go") else ""
        parts.append(f"internet {allowance.data}{converted}")
    return ", ".join(parts) or "rien"


def _route(route: Route) -> str:
    lines = " et ".join(LINE_TYPES[line] for line in route.to_lines)
    return (
        f"Depuis {', '.join(route.from_countries)} vers les {lines} de "
        f"{', '.join(route.to_countries)} ({len(route.to_countries)} pays)"
    )


def _section(out: _Text, title: str, entry: Sourced) -> None:
    out.heading(title)
    out.cited(entry)


def _delays(out: _Text, *labelled: tuple[str, Delay]) -> None:
    for label, value in labelled:
        out.line(f"{label} : {delay(value)} ({value.source})")


def _percent(share: str) -> str:
    value = (ratio(share) * 100).normalize()
    return f"{value:f} %".replace(".", ",")


def _period(start: date | None, end: date | None) -> str:
    if start is not None and end is not None:
        return f"du {day(start)} au {day(end)} exclu"
    if start is not None:
        return f"à compter du {day(start)}"
    if end is not None:
        return f"avant le {day(end)}"
    return "de toute date"


def _count(amount: int, singular: str, plural: str) -> str:
    """The singular text for 1, else the plural template filled with the amount."""
    return singular if amount == 1 else plural.format(amount)


def _yes(value: bool) -> str:
    return "oui" if value else "non"
