from django.urls import path

from persondata.governance import views

app_name = "governance"

urlpatterns = [
    path("breaches/", views.breach_list, name="breaches"),
    path("breaches/new/", views.breach_new, name="breach_new"),
    path("breaches/<uuid:breach_id>/", views.breach_detail, name="breach"),
    path(
        "breaches/<uuid:breach_id>/notification.<slug:lang>.<slug:fmt>",
        views.breach_notification,
        name="breach_notification",
    ),
]
