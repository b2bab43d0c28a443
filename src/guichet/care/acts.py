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
    FAIR_USE_ALERT = "fair_use.alert", "Alerte d'usage non occasionnel en itinérance"
    FAIR_USE_END = "fair_use.end", "Fin de la facturation des voyageurs non occasionnels"
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
    PAYMENT_ATTEMPT_CREDIT = "payment_attempt.credit", "Paiement par carte attribué"
    CARD_REFUND_CREATE = "card_refund.create", "Remboursement sur la carte demandé"
    CARD_REFUND_SETTLE = "card_refund.settle", "Résultat d'un remboursement sur la carte"
    CARD_REFUND_TRANSFER = "card_refund.transfer", "Remboursement fait par virement"
    # The portal's acts, one block per part (issues 5 and 6).
    # -- portal: home and usage --
    LINE_SET_DATA_MODE = "line.set_data_mode", "Mode de consommation data"
    BOX_WIFI_SET = "box_wifi.set", "Réglages Wi-Fi de la box"
    CARRIER_BILLING_SUBSCRIPTION_CANCEL = (
        "carrier_billing_subscription.cancel",
        "Résiliation d'un abonnement Internet+",
    )
    CARRIER_BILLING_CAP_SET = "carrier_billing_cap.set", "Plafond des achats sur facture"
    # -- portal: invoices and payment means --
    # -- portal: account and security --
    SECURITY_PASSWORD_RESET_REQUEST = (
        "security.password_reset_request",
        "Demande de réinitialisation du mot de passe",
    )
    SECURITY_PASSWORD_RESET = "security.password_reset", "Mot de passe réinitialisé"
    SECURITY_EMAIL_CHANGE_REQUEST = (
        "security.email_change_request",
        "Demande de changement d'adresse e-mail",
    )
    SECURITY_TWO_STEP_ENABLE = "security.two_step_enable", "Validation en deux étapes activée"
    SECURITY_TWO_STEP_DISABLE = (
        "security.two_step_disable",
        "Validation en deux étapes désactivée",
    )
    SECURITY_RECOVERY_CODES_RENEW = (
        "security.recovery_codes_renew",
        "Nouveaux codes de secours",
    )
    # -- portal: personal information and tracking --
    CUSTOMER_PROFILE_SET = "customer_profile.set", "Profil complété"
    CUSTOMER_REQUEST_NAME_CHANGE = "customer.request_name_change", "Demande de changement de nom"
    BILLING_ADDRESS_CHANGE = "billing_address.change", "Changement d'adresse de facturation"
    BLOCKED_NUMBER_ADD = "blocked_number.add", "Numéro bloqué"
    BLOCKED_NUMBER_REMOVE = "blocked_number.remove", "Numéro débloqué"
    BOX_MAILBOX_SET_PRIMARY = "box_mailbox.set_primary", "Adresse e-mail principale de la box"
    BOX_MAILBOX_ADD_SECONDARY = "box_mailbox.add_secondary", "Adresse e-mail secondaire créée"
    BOX_MAILBOX_DELETE = "box_mailbox.delete", "Adresse e-mail secondaire supprimée"
    ADVISOR_MESSAGE_POST = "advisor_message.post", "Message à un conseiller"
    # -- portal: lines and emergencies --
    PUK_SHOW = "line.show_puk", "Consultation du code PUK"
    PORTING_CODE_SHOW = "line.show_porting_code", "Consultation du code RIO"
    SIM_REPLACEMENT_ACTIVATE = "sim.activate_replacement", "Activation de la carte SIM"
    TV_PINS_SET = "box.set_tv_pins", "Codes parental et d'achat TV modifiés"
    OPTICAL_OUTLET_REFERENCE_SET = "box.set_optical_outlet_reference", "Référence de prise fibre"
    BOX_LANDLINE_ASSIGN = "box.assign_landline", "Numéro fixe de la box"
    # -- portal: offer management --
    ADD_ON_SUBSCRIBE = "offer.add_on_subscribe", "Souscription d'une option"
    ADD_ON_CANCEL = "offer.add_on_cancel", "Résiliation d'une option"
    OFFER_CHANGE = "offer.change", "Changement d'offre"
    TERMINATION_REQUEST = "offer.termination_request", "Demande de résiliation"
    TERMINATION_CANCEL = "offer.termination_cancel", "Annulation de la résiliation"
    WITHDRAWAL = "offer.withdrawal", "Rétractation"
    LINE_TRANSFER_REQUEST = "offer.line_transfer_request", "Demande de cession de ligne"
    LINE_TRANSFER_ACCEPT = "offer.line_transfer_accept", "Cession acceptée par le cessionnaire"
    NUMBER_CHANGE = "offer.number_change", "Changement de numéro"
    BOX_MOVE = "offer.box_move", "Déclaration de déménagement"
    EQUIPMENT_RETURN_OPEN = "offer.equipment_return", "Restitution d'équipement à faire"
    # -- portal: devices, insurance and after-sales --
    DEVICE_RENEWAL_ORDER = "device_renewal.order", "Commande d'un nouveau mobile"
    DEVICE_RENEWAL_DELIVER = "device_renewal.deliver", "Nouveau mobile livré"
    DEVICE_RENEWAL_PAID = "device_renewal.paid", "Commande de mobile payée par carte"
    DEVICE_RENEWAL_CANCEL = "device_renewal.cancel", "Commande de mobile annulée"
    DEVICE_RENEWAL_WITHDRAW = "device_renewal.withdraw", "Rétractation d'un achat de mobile"
    DEVICE_RENEWAL_RETURN = "device_renewal.return", "Mobile retourné après rétractation"
    INSURANCE_SUBSCRIBE = "insurance.subscribe", "Souscription d'une assurance mobile"
    INSURANCE_CLAIM_DECLARE = "insurance_claim.declare", "Déclaration de sinistre"
    REFUND_CLAIM_SUBMIT = "refund_claim.submit", "Demande de remboursement (ODR)"
    REPAIR_ADVANCE = "repair.advance", "Suivi de réparation"
    EXPRESS_REPAIR_BOOK = "express_repair.book", "Réparation express réservée"
    # -- back office: the advisor completes what a partner or a check finishes --
    LINE_TRANSFER_COMPLETE = "offer.line_transfer_complete", "Cession de ligne effectuée"
    BOX_MOVE_COMPLETE = "offer.box_move_complete", "Déménagement de la box effectué"
    EQUIPMENT_RETURN_CLOSE = "offer.equipment_return_close", "Restitution d'équipement clôturée"
    CUSTOMER_APPLY_NAME_CHANGE = "customer.apply_name_change", "Changement de nom appliqué"
    CUSTOMER_INVITE = "customer.invite", "Espace client ouvert par le service client"
