from django.urls import path

from persondata.partners import agreement_views, views

app_name = "partners"

urlpatterns = [
    path("", views.notices, name="notices"),
    path("notices/<uuid:notice_id>/tick/", views.tick, name="tick"),
    path("endpoints/", views.endpoint_set, name="endpoint_set"),
    path("endpoints/<slug:partner_key>/remove/", views.endpoint_remove, name="endpoint_remove"),
    path("agreements/", agreement_views.agreement_list, name="agreements"),
    path("disclosures/", agreement_views.disclosure_list, name="disclosures"),
    path("agreements/<slug:partner_key>/", agreement_views.agreement_edit, name="agreement_edit"),
    path("agreements/<slug:partner_key>/delete/", agreement_views.agreement_delete, name="agreement_delete"),
    path(
        "agreements/<slug:partner_key>/document/",
        agreement_views.agreement_document,
        name="agreement_document",
    ),
]
