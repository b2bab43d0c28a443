from django.urls import path

from guichet.selfcare.views import usage

urlpatterns = [
    path("conso/", usage.usage, name="usage"),
]
