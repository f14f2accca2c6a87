from django.urls import path

from . import import_views, scorecard_views, views, work_views

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
    path("import/<str:kind>/", import_views.import_upload, name="import_upload"),
    path("import/<str:kind>/template/", import_views.import_template, name="import_template"),
    path("import/batch/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("import/batch/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("export/", views.export_start, name="export"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
