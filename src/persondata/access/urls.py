from django.urls import path

from persondata.access import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:user_id>/roles/", views.edit_roles, name="roles"),
    path("<int:user_id>/deactivate/", views.deactivate, name="deactivate"),
    path("<int:user_id>/password/", views.reset_password, name="password"),
    path("texts/<slug:kind>/", views.publish, name="publish"),
    path("declarations/", views.declarations, name="declarations"),
    path("my-password/", views.own_password, name="own_password"),
    path("invitation/", views.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
]
