from django.urls import path

from persondata.governance import control_views, policy_views, views

app_name = "governance"

urlpatterns = [
    path("breaches/", views.breach_list, name="breaches"),
    path("breaches/new/", views.breach_new, name="breach_new"),
    path("breaches/<uuid:breach_id>/", views.breach_detail, name="breach"),
    path("controls/", control_views.control_list, name="controls"),
    path("controls/start/", control_views.control_start, name="control_start"),
    path("controls/<uuid:control_id>/", control_views.control_detail, name="control"),
    path("controls/<uuid:control_id>/answer/", control_views.control_answer, name="control_answer"),
    path("controls/<uuid:control_id>/attach/", control_views.control_attach, name="control_attach"),
    path(
        "controls/<uuid:control_id>/attachments/<slug:item>/",
        control_views.control_attachment,
        name="control_attachment",
    ),
    path("controls/<uuid:control_id>/sign/", control_views.control_sign, name="control_sign"),
    path(
        "controls/<uuid:control_id>/report.<slug:lang>.<slug:fmt>",
        control_views.control_report_file,
        name="control_report",
    ),
    path("follow-ups/<uuid:follow_up_id>/assign/", control_views.follow_up_assign, name="follow_up_assign"),
    path("follow-ups/<uuid:follow_up_id>/done/", control_views.follow_up_done, name="follow_up_done"),
    path("policy/", policy_views.policy, name="policy"),
    path("policy/<int:number>/adopt/", policy_views.policy_adopt, name="policy_adopt"),
    path(
        "breaches/<uuid:breach_id>/letter.<slug:lang>.<slug:fmt>", views.breach_letter, name="breach_letter"
    ),
    path(
        "breaches/<uuid:breach_id>/notification.<slug:lang>.<slug:fmt>",
        views.breach_notification,
        name="breach_notification",
    ),
]
