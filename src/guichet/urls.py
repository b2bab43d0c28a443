from django.urls import include, path

urlpatterns = [
    path("", include("guichet.selfcare.urls")),
]
