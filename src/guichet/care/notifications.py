"""The texts of the notifications the outbox sends, in French, one entry per template key.

Placeholders use `str.format` names; `outbox_enqueue` renders a message once before saving it,
so a missing key is refused in the transaction of the act rather than at sending time.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from guichet.care.models import OutboxChannel
from guichet.customers.rules import paris_date


@dataclass(frozen=True)
class NotificationTemplate:
    subject: str
    email_body: str
    sms_body: str


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


_SIGNATURE = "\n\nVotre service client"

TEMPLATES: dict[str, NotificationTemplate] = {
    "line_activated": NotificationTemplate(
        subject="Votre ligne {line} est en service",
        email_body="Bonjour {first_name},\n\nVotre ligne {line} est en service depuis le {date}."
        + _SIGNATURE,
        sms_body="Votre ligne {line} est en service depuis le {date}.",
    ),
    "line_suspended": NotificationTemplate(
        subject="Suspension de votre ligne {line}",
        email_body="Bonjour {first_name},\n\nVotre ligne {line} est suspendue depuis le {date}"
        " (motif : {reason}).\nLa suspension n'arrête pas la facturation, sauf cas de force"
        " majeure (CGS 2.4)." + _SIGNATURE,
        sms_body="Votre ligne {line} est suspendue depuis le {date} (motif : {reason}).",
    ),
    # A suspension that bars outgoing usage only (lines.rules.OUTGOING_ONLY_SUSPENSION_REASONS).
    "line_suspended_outgoing": NotificationTemplate(
        subject="Suspension des usages sortants de votre ligne {line}",
        email_body="Bonjour {first_name},\n\nLes appels, SMS et données sortants de votre ligne"
        " {line} sont suspendus depuis le {date} (motif : {reason}). Vous continuez de recevoir"
        " appels et SMS, et les numéros d'urgence restent joignables.\nLa suspension n'arrête"
        " pas la facturation (CGS 2.4)." + _SIGNATURE,
        sms_body="Les usages sortants de votre ligne {line} sont suspendus depuis le {date}"
        " (motif : {reason}). Vous recevez toujours appels et SMS.",
    ),
    # An outgoing bar kept under a line's whole suspension (lines.services._suspension_keep_under).
    "line_suspension_kept_under": NotificationTemplate(
        subject="Suspension des usages sortants de votre ligne {line}",
        email_body="Bonjour {first_name},\n\nVotre ligne {line} est suspendue ({current}). Depuis"
        " le {date}, ses usages sortants le sont aussi (motif : {reason}) : à la levée de la"
        " suspension en cours, vous recevrez appels et SMS, mais les appels, SMS et données"
        " sortants resteront suspendus tant que ce motif dure.\nLa suspension n'arrête pas la"
        " facturation (CGS 2.4)." + _SIGNATURE,
        sms_body="Ligne {line} : à la levée de sa suspension ({current}), ses usages sortants"
        " resteront suspendus (motif : {reason}).",
    ),
    "line_reinstated": NotificationTemplate(
        subject="Remise en service de votre ligne {line}",
        email_body="Bonjour {first_name},\n\nVotre ligne {line} est de nouveau en service depuis"
        " le {date}." + _SIGNATURE,
        sms_body="Votre ligne {line} est de nouveau en service depuis le {date}.",
    ),
    "line_terminated": NotificationTemplate(
        subject="Résiliation de votre ligne {line}",
        email_body="Bonjour {first_name},\n\nVotre ligne {line} est résiliée depuis le {date}"
        " (motif : {reason})." + _SIGNATURE,
        sms_body="Votre ligne {line} est résiliée depuis le {date} (motif : {reason}).",
    ),
    "order_shipped": NotificationTemplate(
        subject="Votre commande n° {order} est expédiée",
        email_body="Bonjour {first_name},\n\nVotre commande n° {order} a été expédiée le {date}."
        "\nNuméro de suivi : {tracking_number}." + _SIGNATURE,
        sms_body="Votre commande n° {order} est expédiée. Suivi : {tracking_number}.",
    ),
    "order_cancelled": NotificationTemplate(
        subject="Votre commande n° {order} est annulée",
        email_body="Bonjour {first_name},\n\nVotre commande n° {order} a été annulée le {date}."
        + _SIGNATURE,
        sms_body="Votre commande n° {order} a été annulée le {date}.",
    ),
    "request_completed": NotificationTemplate(
        subject="Votre démarche « {kind} » est terminée",
        email_body="Bonjour {first_name},\n\nVotre démarche « {kind} » (n° {request}) est"
        " terminée depuis le {date}.\n{resolution}" + _SIGNATURE,
        sms_body="Votre démarche « {kind} » (n° {request}) est terminée.",
    ),
    "request_rejected": NotificationTemplate(
        subject="Votre démarche « {kind} » n'a pas pu aboutir",
        email_body="Bonjour {first_name},\n\nVotre démarche « {kind} » (n° {request}) a été"
        " refusée le {date}.\nMotif : {resolution}" + _SIGNATURE,
        sms_body="Votre démarche « {kind} » (n° {request}) a été refusée : {resolution}",
    ),
    "ticket_resolved": NotificationTemplate(
        subject="Votre incident n° {ticket} est résolu",
        email_body="Bonjour {first_name},\n\nVotre incident n° {ticket} est résolu depuis le"
        " {date}. S'il persiste, signalez-le depuis votre espace client." + _SIGNATURE,
        sms_body="Votre incident n° {ticket} est résolu. S'il persiste, signalez-le.",
    ),
    "login_email_changed": NotificationTemplate(
        subject="Votre identifiant de connexion a changé",
        email_body="Bonjour {first_name},\n\nL'adresse de connexion de votre espace client est"
        " désormais {new_email} (modification du {date}). Si vous n'êtes pas à l'origine de ce"
        " changement, contactez le service client." + _SIGNATURE,
        sms_body="Votre identifiant de connexion a changé le {date}.",
    ),
    "password_changed": NotificationTemplate(
        subject="Votre mot de passe a changé",
        email_body="Bonjour {first_name},\n\nLe mot de passe de votre espace client a été"
        " modifié le {date}. Si vous n'êtes pas à l'origine de ce changement, contactez le"
        " service client." + _SIGNATURE,
        sms_body="Le mot de passe de votre espace client a été modifié le {date}.",
    ),
    "sepa_mandate_signed": NotificationTemplate(
        subject="Votre mandat de prélèvement SEPA {reference}",
        email_body="Bonjour {first_name},\n\nVotre mandat de prélèvement SEPA est enregistré"
        " depuis le {date}.\nRéférence unique du mandat (RUM) : {reference}\nIdentifiant"
        " créancier SEPA (ICS) : {creditor_id}\nCompte débité : {iban} ({debtor_name})\n\nVos"
        " factures seront prélevées le {debit_day} du mois ; chaque prélèvement vous est annoncé"
        " au moins 10 jours avant (CGS 7.1)." + _SIGNATURE,
        sms_body="Votre mandat de prélèvement SEPA {reference} est enregistré (compte {iban}).",
    ),
    "direct_debit_prenotification": NotificationTemplate(
        subject="Avis de prélèvement de votre facture {invoice}",
        email_body="Bonjour {first_name},\n\nLe montant de {amount} de votre facture {invoice}"
        " sera prélevé le {debit_date} sur le compte {iban}.\nRéférence unique du mandat (RUM)"
        " : {reference}\nIdentifiant créancier SEPA (ICS) : {creditor_id}\n\nLes week-ends et"
        " jours fériés peuvent décaler la date du prélèvement (CGS 7.1)." + _SIGNATURE,
        sms_body="Votre facture {invoice} de {amount} sera prélevée le {debit_date}"
        " (RUM {reference}, ICS {creditor_id}).",
    ),
    "direct_debit_returned": NotificationTemplate(
        subject="Le prélèvement de votre facture {invoice} a été rejeté",
        email_body="Bonjour {first_name},\n\nLe prélèvement de {amount} du {debit_date} pour"
        " votre facture {invoice} a été rejeté par votre banque : {reason}.\nVotre facture"
        " reste à régler : vous pouvez la payer par carte bancaire depuis votre espace client."
        + _SIGNATURE,
        sms_body="Le prélèvement de {amount} de votre facture {invoice} a été rejeté : {reason}."
        " Réglez-la depuis votre espace client.",
    ),
    "bill_advance_warning": NotificationTemplate(
        subject="Vos consommations hors forfait approchent du seuil d'avance sur facture",
        email_body="Bonjour {first_name},\n\nVos consommations hors forfait de {month}"
        " atteignent {usage}, soit {level} % du seuil de {threshold} au-delà duquel une avance"
        " sur facture vous sera demandée (CGS 5.1 (i)). Au-delà de ce seuil, les usages"
        " sortants de votre ligne seront restreints jusqu'au paiement de l'avance." + _SIGNATURE,
        sms_body="Conso hors forfait de {month} : {usage}, {level} % du seuil de {threshold}."
        " Au-delà, avance sur facture demandée et usages sortants restreints.",
    ),
    "bill_advance_requested": NotificationTemplate(
        subject="Avance sur facture de {amount} à régler",
        email_body="Bonjour {first_name},\n\nVos consommations hors forfait de {month} ({usage})"
        " ont dépassé le seuil de {threshold}. Une avance sur facture de {amount} vous est"
        " demandée, payable dès le {due} depuis votre espace client. Les usages sortants de"
        " {lines} sont restreints jusqu'à son paiement. L'avance sera déduite de vos prochaines"
        " factures (CGS 5.1 (i))." + _SIGNATURE,
        sms_body="Avance sur facture de {amount} demandée (conso hors forfait {usage}). Usages"
        " sortants restreints jusqu'au paiement, depuis votre espace client.",
    ),
    "fair_use_alert": NotificationTemplate(
        subject="Votre usage de la ligne {line} en itinérance",
        email_body="Bonjour {first_name},\n\nSur les {window_days} derniers jours, votre ligne"
        " {line} a été utilisée {roaming_only_days} jours uniquement en itinérance ({zones}) et"
        " la plus grande part de ses consommations y a été faite. Au-delà de {days_limit} jours"
        " sur {window_days} et de la moitié des consommations, l'usage n'est plus celui d'un"
        " voyageur occasionnel (CGS 6.2). Si votre usage ne change pas, vos consommations en"
        " itinérance dans cette zone seront facturées au tarif des voyageurs non occasionnels"
        " à partir du {charging_from}." + _SIGNATURE,
        sms_body="Ligne {line} : {roaming_only_days} jours sur {window_days} uniquement en"
        " itinérance ({zones}). Sans changement, vos usages y seront facturés hors forfait"
        " (voyageurs non occasionnels, CGS 6.2) dès le {charging_from}.",
    ),
    "fair_use_ended": NotificationTemplate(
        subject="Itinérance de la ligne {line} : retour aux conditions habituelles",
        email_body="Bonjour {first_name},\n\nL'usage de votre ligne {line} en itinérance"
        " ({zones}) est celui d'un voyageur occasionnel : depuis le {date}, vos consommations"
        " y sont décomptées de votre forfait, sans facturation hors forfait." + _SIGNATURE,
        sms_body="Ligne {line} : depuis le {date}, vos usages en itinérance ({zones}) sont"
        " décomptés de votre forfait, sans facturation hors forfait.",
    ),
    "security_deposit_refund_due": NotificationTemplate(
        subject="Restitution de votre dépôt de garantie",
        email_body="Bonjour {first_name},\n\nVotre dépôt de garantie de {amount} vous sera"
        " restitué au plus tard le {due} (CGS 5.1 (ii))." + _SIGNATURE,
        sms_body="Votre dépôt de garantie de {amount} vous sera restitué au plus tard le {due}.",
    ),
    # Dunning (payments.services.dunning). `announcement` tells what comes next and when.
    "dunning_reminder": NotificationTemplate(
        subject="{step} : facture impayée, {owed} à régler",
        email_body="Bonjour {first_name},\n\nSauf erreur de notre part, nous n'avons pas reçu"
        " le règlement de votre facture arrivée à échéance le {due_date} (compte {account}) :"
        " {owed} restent à régler.\nPayez par carte bancaire depuis la rubrique Factures de"
        " votre espace client.{announcement}\nSi vous avez réglé entre-temps, ne tenez pas"
        " compte de ce message." + _SIGNATURE,
        sms_body="{step} : {owed} impayés depuis le {due_date}.{announcement_sms} Réglez depuis"
        " votre espace client, rubrique Factures.",
    ),
    "dunning_formal_notice": NotificationTemplate(
        subject="Mise en demeure de régler {owed}",
        email_body="Bonjour {first_name},\n\nMalgré nos relances, {owed} restent impayés sur"
        " votre compte {account} (plus ancienne échéance : {due_date}). Nous vous mettons en"
        " demeure de régler cette somme.{announcement}" + _SIGNATURE,
        sms_body="Mise en demeure : {owed} impayés depuis le {due_date}.{announcement_sms}"
        " Réglez depuis votre espace client.",
    ),
    "dunning_resolved": NotificationTemplate(
        subject="Merci, votre compte {account} est à jour",
        email_body="Bonjour {first_name},\n\nNous avons bien reçu votre règlement : plus rien"
        " n'est impayé sur votre compte {account}.{reinstatement}" + _SIGNATURE,
        sms_body="Merci : plus rien n'est impayé sur votre compte {account}.{reinstatement_sms}",
    ),
    # -- portal: account and security --
    "password_reset_link": NotificationTemplate(
        subject="Réinitialisez votre mot de passe",
        email_body="Bonjour {first_name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien"
        " (valable {minutes} minutes, une seule fois) :\n{link}\n\nSi vous n'avez rien"
        " demandé, ignorez ce message : votre mot de passe ne change pas." + _SIGNATURE,
        sms_body="Lien de réinitialisation de votre mot de passe : {link}",
    ),
    "password_reset_done": NotificationTemplate(
        subject="Votre mot de passe a été réinitialisé",
        email_body="Bonjour {first_name},\n\nLe mot de passe de votre espace client a été"
        " réinitialisé le {date} depuis le lien « mot de passe oublié ». Toutes vos sessions"
        " ouvertes ont été fermées. Si vous n'êtes pas à l'origine de ce changement, demandez"
        " un nouveau lien depuis la page de connexion et contactez le service client au"
        " {customer_service}." + _SIGNATURE,
        sms_body="Le mot de passe de votre espace client a été réinitialisé le {date}.",
    ),
    "email_change_confirm": NotificationTemplate(
        subject="Confirmez votre nouvelle adresse e-mail",
        email_body="Bonjour {first_name},\n\nVous avez demandé que cette adresse devienne votre"
        " {what}. Pour confirmer, ouvrez ce lien (valable {hours} heures, une seule fois) :"
        "\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : rien ne change."
        + _SIGNATURE,
        sms_body="Confirmez votre nouvelle adresse e-mail : {link}",
    ),
    "email_change_requested": NotificationTemplate(
        subject="Demande de changement de votre {what}",
        email_body="Bonjour {first_name},\n\nLe {date}, une demande a été faite pour remplacer"
        " votre {what} par {new_email}. Rien ne change tant que le lien envoyé à cette nouvelle"
        " adresse n'est pas ouvert.\nSi vous n'êtes pas à l'origine de cette demande,"
        " changez votre mot de passe depuis votre espace client et contactez le service client"
        " au {customer_service}." + _SIGNATURE,
        sms_body="Demande de changement de votre {what} le {date}.",
    ),
    "contact_email_changed": NotificationTemplate(
        subject="Votre e-mail de contact a changé",
        email_body="Bonjour {first_name},\n\nVos messages sont désormais envoyés à {new_email}"
        " (modification du {date}). Si vous n'êtes pas à l'origine de ce changement, changez"
        " votre mot de passe et contactez le service client au {customer_service}." + _SIGNATURE,
        sms_body="Votre e-mail de contact a changé le {date}.",
    ),
    "two_step_enabled": NotificationTemplate(
        subject="Validation en deux étapes activée",
        email_body="Bonjour {first_name},\n\nLa validation en deux étapes ({method}) protège"
        " votre espace client depuis le {date}. Gardez vos codes de secours en lieu sûr."
        "\nSi vous n'êtes pas à l'origine de ce changement, contactez le service client au"
        " {customer_service}." + _SIGNATURE,
        sms_body="La validation en deux étapes est activée sur votre espace client ({date}).",
    ),
    "two_step_disabled": NotificationTemplate(
        subject="Validation en deux étapes désactivée",
        email_body="Bonjour {first_name},\n\nLa validation en deux étapes de votre espace"
        " client a été désactivée le {date} : le mot de passe suffit de nouveau pour vous"
        " connecter.\nSi vous n'êtes pas à l'origine de ce changement, changez votre mot de"
        " passe et contactez le service client au {customer_service}." + _SIGNATURE,
        sms_body="La validation en deux étapes de votre espace client est désactivée ({date}).",
    ),
    # -- portal: devices, insurance and after-sales --
    "device_renewal_ordered": NotificationTemplate(
        subject="Votre commande n° {order} : {device}",
        email_body="Bonjour {first_name},\n\nNous avons bien reçu votre commande n° {order} :"
        " {device}, payé en {instalments} mensualités de {instalment} sur vos factures."
        + _SIGNATURE,
        sms_body="Commande n° {order} reçue : {device}. Suivi dans votre espace client.",
    ),
    "device_renewal_ordered_in_full": NotificationTemplate(
        subject="Votre commande n° {order} : {device}",
        email_body="Bonjour {first_name},\n\nNous avons bien reçu votre commande n° {order} :"
        " {device}, payé en une fois ({price}) sur la facture du mois de la livraison."
        + _SIGNATURE,
        sms_body="Commande n° {order} reçue : {device}. Suivi dans votre espace client.",
    ),
    "device_renewal_paid_by_card": NotificationTemplate(
        subject="Votre commande n° {order} est confirmée : {device}",
        email_body="Bonjour {first_name},\n\nNous avons bien reçu votre paiement par carte de"
        " {price} pour votre commande n° {order} : {device}. Elle part en préparation ; son"
        " justificatif de paiement est dans votre espace client." + _SIGNATURE,
        sms_body="Commande n° {order} payée ({price}) : {device}. Suivi dans votre espace client.",
    ),
    "device_renewal_cancelled": NotificationTemplate(
        subject="Votre commande n° {order} est annulée",
        email_body="Bonjour {first_name},\n\nVotre commande n° {order} ({device}) est annulée :"
        " {reason}" + _SIGNATURE,
        sms_body="Commande n° {order} annulée : {reason}",
    ),
    "card_refund_transferred": NotificationTemplate(
        subject="Votre remboursement de {amount} par virement",
        email_body="Bonjour {first_name},\n\nLe remboursement de {amount} sur votre carte n'a"
        " pas pu aboutir ({reason}) : nous vous l'avons fait par virement bancaire, référence"
        " {reference}. Il apparaîtra sur votre compte sous quelques jours ouvrés." + _SIGNATURE,
        sms_body="Remboursement de {amount} fait par virement (réf. {reference}).",
    ),
    "device_renewal_withdrawn": NotificationTemplate(
        subject="Votre rétractation pour la commande n° {order}",
        email_body="Bonjour {first_name},\n\nNous avons bien reçu votre rétractation pour"
        " {device} (commande n° {order}). Renvoyez-le complet, dans son emballage d'origine,"
        " avant le {deadline}, avec le numéro de retour {return_number} (frais de retour à"
        " votre charge). Nous vous rembourserons {price} sur votre carte dès sa réception."
        + _SIGNATURE,
        sms_body="Rétractation reçue (commande n° {order}) : renvoyez le mobile avant le"
        " {deadline}, retour n° {return_number}.",
    ),
    "device_renewal_returned": NotificationTemplate(
        subject="Votre mobile retourné est reçu : {price} remboursés",
        email_body="Bonjour {first_name},\n\nNous avons reçu le {device} de la commande n°"
        " {order}. Nous vous remboursons {price} sur la carte utilisée pour le payer." + _SIGNATURE,
        sms_body="Mobile de la commande n° {order} reçu : {price} remboursés sur votre carte.",
    ),
    "insurance_subscribed": NotificationTemplate(
        subject="Votre mobile {device} est assuré",
        email_body="Bonjour {first_name},\n\nVotre assurance mobile pour {device} est active"
        " depuis le {date} (contrat {reference}, {price} par mois)." + _SIGNATURE,
        sms_body="Votre mobile {device} est assuré depuis le {date} (contrat {reference}).",
    ),
    "insurance_claim_declared": NotificationTemplate(
        subject="Sinistre {claim_number} déclaré",
        email_body="Bonjour {first_name},\n\nVotre déclaration de sinistre ({kind}) est"
        " transmise à l'assureur sous le numéro {claim_number}.{deadline}" + _SIGNATURE,
        sms_body="Sinistre déclaré à l'assureur : n° {claim_number}.",
    ),
    "express_repair_booked": NotificationTemplate(
        subject="Votre rendez-vous de réparation express",
        email_body="Bonjour {first_name},\n\nVotre réparation ({fault}) est prévue le {slot}"
        " chez {shop}. Devis : {quote}. Référence {reference}." + _SIGNATURE,
        sms_body="Réparation express le {slot} chez {shop}. Devis {quote}. Réf. {reference}.",
    ),
    # -- portal: home and usage --
    "carrier_billing_subscription_cancelled": NotificationTemplate(
        subject="Votre abonnement {service} est résilié",
        email_body="Bonjour {first_name},\n\nVotre abonnement {service} ({merchant}), payé sur"
        " la facture de votre ligne {line}, est résilié depuis le {date}. Il ne vous sera plus"
        " facturé." + _SIGNATURE,
        sms_body="Votre abonnement {service} ({merchant}) sur facture est résilié depuis le"
        " {date}.",
    ),
}

# -- portal: lines and emergencies --
TEMPLATES.update(
    {
        # A SIM change is how number hijacking starts: the holder always hears of it.
        "sim_activated": NotificationTemplate(
            subject="Nouvelle carte SIM activée sur votre ligne {line}",
            email_body="Bonjour {first_name},\n\nLa carte SIM se terminant par {iccid_end} est"
            " active sur votre ligne {line} depuis le {date} ; l'ancienne carte ne fonctionne"
            " plus. Si vous n'êtes pas à l'origine de ce changement, appelez votre Service Client."
            + _SIGNATURE,
            sms_body="Nouvelle carte SIM (…{iccid_end}) active sur votre ligne {line} depuis le"
            " {date}. Pas vous ? Appelez votre Service Client.",
        ),
    }
)


def french_date(moment: datetime) -> str:
    """The French calendar date of an instant, as notifications and summaries write it."""
    return f"{paris_date(moment):%d/%m/%Y}"


def render(template: str, *, channel: OutboxChannel, context: dict[str, Any]) -> RenderedMessage:
    """Raises `KeyError` for an unknown template or a placeholder missing from `context`."""
    texts = TEMPLATES[template]
    body = texts.email_body if channel == OutboxChannel.EMAIL else texts.sms_body
    return RenderedMessage(subject=texts.subject.format(**context), body=body.format(**context))


# -- portal: personal information and tracking --
TEMPLATES["advisor_message_answered"] = NotificationTemplate(
    subject="Un conseiller vous a répondu",
    email_body="Bonjour {first_name},\n\nUn conseiller a répondu le {date} à votre message."
    " Retrouvez sa réponse dans votre espace client, rubrique Compte > Messages." + _SIGNATURE,
    sms_body="Un conseiller a répondu à votre message : rendez-vous dans votre espace client,"
    " Compte > Messages.",
)


# -- billing: cycle change (billing.services.billing_account_set_billing_cycle) --
TEMPLATES["billing_cycle_changed"] = NotificationTemplate(
    subject="Votre nouveau cycle de facturation",
    email_body="Bonjour {first_name},\n\nÀ partir du {new_cycle_from}, les factures de votre"
    " compte {account} couvriront chaque mois à partir du {day}. Une facture de transition"
    " couvrira la période du {transition_start} au {transition_end}, abonnements calculés au"
    " prorata des jours." + _SIGNATURE,
    sms_body="Compte {account} : factures du {day} de chaque mois à partir du {new_cycle_from},"
    " après une facture de transition du {transition_start} au {transition_end}.",
)


# -- portal: offer management --
TEMPLATES.update(
    {
        # One notice for the offer acts: the act's service writes the sentence.
        "offer_notice": NotificationTemplate(
            subject="{subject}",
            email_body="Bonjour {first_name},\n\n{text}" + _SIGNATURE,
            sms_body="{text}",
        ),
        # CGS 12: the transferee authorises the transfer; they are not a customer yet.
        "line_transfer_invitation": NotificationTemplate(
            subject="{holder} souhaite vous céder sa ligne {line}",
            email_body="Bonjour {transferee},\n\n{holder} souhaite vous céder sa ligne {line}"
            " (CGS 12, cession gratuite). Pour l'accepter, ouvrez {link} et saisissez le code"
            " {code}. Munissez-vous des documents demandés à la souscription." + _SIGNATURE,
            sms_body="{holder} vous cède sa ligne {line}. Acceptez sur {link} avec le code {code}.",
        ),
    }
)
