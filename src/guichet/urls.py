from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("conseiller/", include("guichet.backoffice.urls")),
    path("", include("guichet.payments.urls")),
    path("", include("guichet.selfcare.urls")),
]
