from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("export/", views.export_start, name="export"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
