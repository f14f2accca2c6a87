from django.urls import path

from . import org_views as views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.unit_detail, name="unit"),
    path("<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("<int:pk>/archive/", views.unit_archive, name="unit_archive"),
    path("<int:parent_pk>/new/", views.unit_create, name="unit_create"),
    path("<int:pk>/officers/new/", views.officer_add, name="officer_add"),
    path("<int:pk>/officers/<int:officer_pk>/end/", views.officer_end, name="officer_end"),
    path("<int:pk>/terms/new/", views.term_add, name="term_add"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
