from django.urls import path

from persondata.requests import views

app_name = "requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("find/", views.find_reference, name="find"),
    path("<uuid:request_id>/", views.request_detail, name="detail"),
    path("<uuid:request_id>/answer/", views.answer, name="answer"),
    path("<uuid:request_id>/documents/<uuid:document_id>/", views.document, name="document"),
    *(
        path(f"<uuid:request_id>/{segment}/", views.step, {"name": name}, name=name)
        for name, segment in (
            ("send_confirmation", "confirmation"),
            ("send_link", "send-link"),
            ("record_post", "posted"),
            ("verify", "verify"),
            ("assign", "assign"),
            ("start", "start"),
            ("handler", "handler"),
            ("comment", "comment"),
            ("extend", "extend"),
            ("refuse", "refuse"),
            ("withdraw", "withdraw"),
            ("no_data", "no-data"),
            ("restrict_pending", "restrict"),
            ("lift_notice", "lift-notice"),
            ("lift", "lift"),
        )
    ),
]
