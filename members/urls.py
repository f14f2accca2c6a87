from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("recognitions/", views.recognitions, name="recognitions"),
    path("recognitions/<int:pk>/void/", views.recognition_void, name="recognition_void"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/transfer-out/", views.member_transfer_out, name="transfer_out"),
    path("<int:pk>/transfer-in/", views.member_transfer_in, name="transfer_in"),
    path("<int:pk>/group/", views.member_group_change, name="group_change"),
    path("<int:pk>/exit/", views.member_exit, name="exit"),
    path("<int:pk>/steps/new/", views.step_add, name="step_add"),
]
