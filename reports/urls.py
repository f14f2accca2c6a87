from django.urls import path

from . import scorecard_views, views

app_name = "reports"
urlpatterns = [
    path("", scorecard_views.scorecards, name="index"),
    path("scorecards/", scorecard_views.scorecards, name="scorecards"),
    path("scorecards/publish/", scorecard_views.publish, name="scorecards_publish"),
    path("scorecards/<int:pk>/<str:period>/", scorecard_views.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/<str:period>/manual/<int:item_pk>/", scorecard_views.manual_score, name="manual_score"),
    path("export/", views.export_start, name="export"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
