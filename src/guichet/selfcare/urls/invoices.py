from django.urls import path

from guichet.selfcare.views import invoices, payment_means

urlpatterns = [
    path("factures/", invoices.invoices, name="invoices"),
    path("factures/payer-les-impayes", invoices.arrears_pay, name="arrears_pay"),
    path(
        "factures/facilite-de-paiement/",
        payment_means.instalment_plans,
        name="instalment_plans",
    ),
    path(
        "factures/facilite-de-paiement/<int:plan_id>/solder",
        payment_means.instalment_plan_settle,
        name="instalment_plan_settle",
    ),
    path("factures/preferences/", payment_means.billing_preferences, name="billing_preferences"),
    path("factures/mode-de-paiement/", payment_means.payment_method, name="payment_method"),
    path("factures/<str:number>/payer", invoices.invoice_pay, name="invoice_pay"),
    path("factures/<str:number>.pdf", invoices.invoice_pdf, name="invoice_pdf"),
    path("factures/<str:number>/duplicata", invoices.invoice_duplicate, name="invoice_duplicate"),
    path("compte/mandats-sepa/", payment_means.sepa_mandates, name="sepa_mandates"),
    path(
        "compte/mandats-sepa/<str:reference>.pdf",
        payment_means.sepa_mandate_pdf,
        name="sepa_mandate_pdf",
    ),
]
