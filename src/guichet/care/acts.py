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
    ONE_OFF_CHARGE_ADD = "one_off_charge.add", "Frais ponctuels"
    MANDATE_SIGN = "mandate.sign", "Signature d'un mandat de prélèvement SEPA"
    MANDATE_REVOKE = "mandate.revoke", "Révocation d'un mandat de prélèvement SEPA"
    PRENOTIFICATION_SEND = "prenotification.send", "Avis de prélèvement"
    DIRECT_DEBIT_COLLECT = "direct_debit.collect", "Prélèvement présenté à la banque"
    DIRECT_DEBIT_RETURN = "direct_debit.return", "Prélèvement rejeté"
    INSTALMENT_PLAN_CREATE = "instalment_plan.create", "Facilité de paiement"
    INSTALMENT_PLAN_COMPLETE = "instalment_plan.complete", "Facilité de paiement terminée"
    INSTALMENT_PLAN_SETTLE = "instalment_plan.settle", "Solde de la facilité de paiement"
    BILL_ADVANCE_WARN = "bill_advance.warn", "Alerte avant avance sur facture"
    BILL_ADVANCE_REQUEST = "bill_advance.request", "Demande d'avance sur facture"
    BILL_ADVANCE_PAYMENT_RECORD = "bill_advance.payment_record", "Paiement de l'avance sur facture"
    SECURITY_DEPOSIT_RECORD = "security_deposit.record", "Dépôt de garantie"
    SECURITY_DEPOSIT_CAUSE_GONE = (
        "security_deposit.cause_gone",
        "Restitution du dépôt de garantie demandée",
    )
    SECURITY_DEPOSIT_CONTRACT_END = (
        "security_deposit.contract_end",
        "Restitution du dépôt de garantie en fin de contrat",
    )
    SECURITY_DEPOSIT_REFUND = "security_deposit.refund", "Dépôt de garantie restitué"
    DUNNING_CASE_OPEN = "dunning_case.open", "Impayé constaté"
    DUNNING_CASE_ADVANCE = "dunning_case.advance", "Relance d'impayé"
    DUNNING_CASE_RESOLVE = "dunning_case.resolve", "Impayé régularisé"
    PAYMENT_ATTEMPT_CREATE = "payment_attempt.create", "Paiement par carte commencé"
    PAYMENT_ATTEMPT_SUBMIT = "payment_attempt.submit", "Paiement par carte transmis à la banque"
    PAYMENT_ATTEMPT_MARK_UNKNOWN = (
        "payment_attempt.mark_unknown",
        "Paiement par carte en attente de la réponse de la banque",
    )
    PAYMENT_ATTEMPT_SETTLE = "payment_attempt.settle", "Résultat d'un paiement par carte"
    # The portal's acts, one block per part (issues 5 and 6).
    # -- portal: home and usage --
    # -- portal: invoices and payment means --
    # -- portal: account and security --
    # -- portal: personal information and tracking --
    # -- portal: lines and emergencies --
    PUK_SHOW = "line.show_puk", "Consultation du code PUK"
    PORTING_CODE_SHOW = "line.show_porting_code", "Consultation du code RIO"
    SIM_REPLACEMENT_ACTIVATE = "sim.activate_replacement", "Activation de la carte SIM"
    TV_PINS_SET = "box.set_tv_pins", "Codes parental et d'achat TV modifiés"
    OPTICAL_OUTLET_REFERENCE_SET = "box.set_optical_outlet_reference", "Référence de prise fibre"
    BOX_LANDLINE_ASSIGN = "box.assign_landline", "Numéro fixe de la box"
    # -- portal: offer management --
    # -- portal: devices, insurance and after-sales --
