from django.urls import path

from .views import downloads, imports, scorecards, work_reports

app_name = "reports"
urlpatterns = [
    path("", scorecards.scorecards, name="index"),
    path("scorecards/", scorecards.scorecards, name="scorecards"),
    path("scorecards/publish/", scorecards.publish, name="scorecards_publish"),
    path("scorecards/<int:pk>/<str:period>/", scorecards.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/<str:period>/manual/<int:item_pk>/", scorecards.manual_score, name="manual_score"),
    path("work/", work_reports.index, name="work"),
    path("work/<int:pk>/<str:period>/", work_reports.work_report, name="work_report"),
    path("work/<int:pk>/<str:period>/records/<slug:key>/", work_reports.work_records, name="work_records"),
    path("plan/", work_reports.plan_index, name="plan_index"),
    path("plan/<int:pk>/<int:year>/", work_reports.work_plan, name="work_plan"),
    path("plan/items/<int:pk>/", work_reports.plan_item_update, name="plan_item_update"),
    path("import/<str:kind>/", imports.import_upload, name="import_upload"),
    path("import/<str:kind>/template/", imports.import_template, name="import_template"),
    path("import/batch/<int:pk>/", imports.import_preview, name="import_preview"),
    path("import/batch/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("import/batch/<int:pk>/problems/", imports.import_problems, name="import_problems"),
    path("export/", downloads.export_start, name="export"),
    path("jobs/", downloads.jobs, name="jobs"),
    path("jobs/<uuid:pk>/", downloads.job_detail, name="job"),
    path("jobs/<uuid:pk>/download/", downloads.job_download, name="job_download"),
    path("jobs/<uuid:pk>/retry/", downloads.job_retry, name="job_retry"),
]
