from django.urls import path

from . import scorecard_views, views, work_views

app_name = "reports"
urlpatterns = [
    path("", scorecard_views.scorecards, name="index"),
    path("scorecards/", scorecard_views.scorecards, name="scorecards"),
    path("scorecards/publish/", scorecard_views.publish, name="scorecards_publish"),
    path("scorecards/<int:pk>/<str:period>/", scorecard_views.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/<str:period>/manual/<int:item_pk>/", scorecard_views.manual_score, name="manual_score"),
    path("work/", work_views.index, name="work"),
    path("work/<int:pk>/<str:period>/", work_views.work_report, name="work_report"),
    path("work/<int:pk>/<str:period>/records/<slug:key>/", work_views.work_records, name="work_records"),
    path("plan/<int:pk>/<int:year>/", work_views.work_plan, name="work_plan"),
    path("plan/items/<int:pk>/", work_views.plan_item_update, name="plan_item_update"),
    path("export/", views.export_start, name="export"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
