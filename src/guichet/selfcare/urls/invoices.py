from django.urls import path

from guichet.selfcare.views import invoices

urlpatterns = [
    path("", invoices.invoices, name="invoices"),
    path("payer-les-impayes", invoices.arrears_pay, name="arrears_pay"),
    path("<str:number>/payer", invoices.invoice_pay, name="invoice_pay"),
    path("<str:number>.pdf", invoices.invoice_pdf, name="invoice_pdf"),
    path("<str:number>/duplicata", invoices.invoice_duplicate, name="invoice_duplicate"),
]
