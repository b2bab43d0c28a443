from django.urls import path

from guichet.selfcare.views import lines

urlpatterns = [
    path("lignes/", lines.lines, name="lines"),
    path("lignes/<int:line_id>/", lines.line_detail, name="line_detail"),
    path("lignes/<int:line_id>/rio/", lines.porting_code, name="porting_code"),
    path("lignes/<int:line_id>/puk/", lines.puk, name="puk"),
    path("lignes/<int:line_id>/codes-tv/", lines.tv_pins, name="tv_pins"),
    path(
        "lignes/<int:line_id>/prise-fibre/",
        lines.optical_outlet_reference,
        name="optical_outlet_reference",
    ),
]
