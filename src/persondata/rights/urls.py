from django.urls import path

from persondata.rights import views

app_name = "requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<uuid:request_id>/", views.request_detail, name="detail"),
    path("<uuid:request_id>/confirmation/", views.send_confirmation, name="send_confirmation"),
    path("<uuid:request_id>/verify/", views.verify, name="verify"),
    path("<uuid:request_id>/assign/", views.assign, name="assign"),
    path("<uuid:request_id>/start/", views.start, name="start"),
    path("<uuid:request_id>/extend/", views.extend, name="extend"),
    path("<uuid:request_id>/refuse/", views.refuse, name="refuse"),
    path("<uuid:request_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:request_id>/answer/", views.answer, name="answer"),
    path("<uuid:request_id>/restrict/", views.restrict_pending, name="restrict_pending"),
    path("<uuid:request_id>/lift-notice/", views.lift_notice, name="lift_notice"),
    path("<uuid:request_id>/lift/", views.lift, name="lift"),
    path("<uuid:request_id>/documents/<uuid:document_id>/", views.document, name="document"),
]
