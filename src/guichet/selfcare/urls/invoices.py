from django.urls import path

from guichet.selfcare.views import invoices

urlpatterns = [
    path("factures/", invoices.invoices, name="invoices"),
    path("factures/payer-les-impayes", invoices.arrears_pay, name="arrears_pay"),
    path("factures/<str:number>/payer", invoices.invoice_pay, name="invoice_pay"),
    path("factures/<str:number>.pdf", invoices.invoice_pdf, name="invoice_pdf"),
    path("factures/<str:number>/duplicata", invoices.invoice_duplicate, name="invoice_duplicate"),
]
