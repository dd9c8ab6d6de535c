from django.urls import path

from persondata.partners import views

app_name = "partners"

urlpatterns = [
    path("", views.notices, name="notices"),
    path("notices/<uuid:notice_id>/tick/", views.tick, name="tick"),
    path("endpoints/", views.endpoint_set, name="endpoint_set"),
    path("endpoints/<slug:partner_key>/remove/", views.endpoint_remove, name="endpoint_remove"),
]
