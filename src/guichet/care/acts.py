"""Codes of the acts written to the activity log, with the label the activity page shows.

A code is "<entity>.<action>", the name of the service that performs the act. `Activity.act`
has no `choices`, so a context adds its acts here without a migration of `care`.
"""

from django.db import models


class Act(models.TextChoices):
    CUSTOMER_CREATE = "customer.create", "Création de l'espace client"
    CUSTOMER_UPDATE_IDENTITY = "customer.update_identity", "Modification de l'identité"
    CUSTOMER_UPDATE_CONTACT = "customer.update_contact", "Modification des coordonnées"
    CUSTOMER_CHANGE_LOGIN_EMAIL = "customer.change_login_email", "Modification de l'identifiant"
    CUSTOMER_CHANGE_PASSWORD = "customer.change_password", "Modification du mot de passe"
    ADDRESS_SET = "address.set", "Modification d'adresse"
    CONTACT_PREFERENCES_SET = "contact_preferences.set", "Préférences de contact"
    DIRECTORY_LISTING_SET = "directory_listing.set", "Annuaire universel"
    BILLING_ACCOUNT_OPEN = "billing_account.open", "Ouverture du compte de facturation"
    BILLING_ACCOUNT_SET_PAYMENT_METHOD = (
        "billing_account.set_payment_method",
        "Modification du mode de paiement",
    )
    BILLING_ACCOUNT_SET_DEBIT_DAY = (
        "billing_account.set_debit_day",
        "Modification de la date de prélèvement",
    )
    BILLING_ACCOUNT_SET_BILLING_CYCLE = (
        "billing_account.set_billing_cycle",
        "Modification du cycle de facturation",
    )
    BILLING_ACCOUNT_SET_INVOICE_DELIVERY = (
        "billing_account.set_invoice_delivery",
        "Modification du mode d'envoi des factures",
    )
    BILLING_ACCOUNT_SET_BILLING_ADDRESS = (
        "billing_account.set_billing_address",
        "Modification de l'adresse de facturation",
    )
    BILLING_ACCOUNT_CLOSE = "billing_account.close", "Clôture du compte de facturation"
    LINE_CREATE = "line.create", "Création de ligne"
    LINE_ACTIVATE = "line.activate", "Mise en service"
    LINE_SUSPEND = "line.suspend", "Suspension de ligne"
    LINE_REINSTATE = "line.reinstate", "Remise en service"
    LINE_TERMINATE = "line.terminate", "Résiliation de ligne"
    LINE_DECLARE_USER = "line.declare_user", "Déclaration de l'utilisateur"
    SUBSCRIPTION_ADD = "subscription.add", "Souscription"
    SUBSCRIPTION_START = "subscription.start", "Début de souscription"
    SUBSCRIPTION_END = "subscription.end", "Fin de souscription"
    EQUIPMENT_REGISTER = "equipment.register", "Enregistrement d'équipement"
    ORDER_CREATE = "order.create", "Commande"
    ORDER_ADVANCE = "order.advance", "Suivi de commande"
    REQUEST_OPEN = "request.open", "Nouvelle démarche"
    REQUEST_ADVANCE = "request.advance", "Suivi de démarche"
    REQUEST_RECORD_FULFILLED = "request.record_fulfilled", "Démarche traitée"
    TICKET_OPEN = "ticket.open", "Nouvel incident"
    TICKET_ADVANCE = "ticket.advance", "Suivi d'incident"
    TICKET_ADD_NOTE = "ticket.add_note", "Note sur un incident"
    INVOICE_ISSUE = "invoice.issue", "Émission de facture"
    INVOICE_CREDIT = "invoice.credit", "Avoir sur facture"
    INVOICE_PAYMENT_RECORD = "invoice.payment_record", "Paiement de facture"
    INVOICE_PAYMENT_REVERSE = "invoice.payment_reverse", "Paiement de facture rejeté"
    INVOICE_MARK_UNPAID = "invoice.mark_unpaid", "Facture impayée"
