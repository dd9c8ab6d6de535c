from django.urls import path

from persondata.governance import policy_views, views

app_name = "governance"

urlpatterns = [
    path("breaches/", views.breach_list, name="breaches"),
    path("breaches/new/", views.breach_new, name="breach_new"),
    path("breaches/<uuid:breach_id>/", views.breach_detail, name="breach"),
    path("policy/", policy_views.policy, name="policy"),
    path("policy/<int:number>/adopt/", policy_views.policy_adopt, name="policy_adopt"),
    path(
        "breaches/<uuid:breach_id>/notification.<slug:lang>.<slug:fmt>",
        views.breach_notification,
        name="breach_notification",
    ),
]
