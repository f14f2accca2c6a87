from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.meeting_list, name="list"),
    path("list/records.docx", views.meeting_list_docx, name="list_docx"),
    path("new/", views.meeting_create, name="create"),
    path("calendar/", views.calendar, name="calendar"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("compliance/grid/", views.compliance_grid, name="grid"),
    path("compliance/cell/", views.compliance_cell, name="cell"),
    path("compliance/history/", views.compliance_history, name="history"),
    path("talks/", views.talks, name="talks"),
    path("rules/", views.rules, name="rules"),
    path("people/<int:pk>/", views.person_record, name="person"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/amend/", views.meeting_amend, name="amend"),
    path("<int:pk>/confirm/", views.meeting_confirm, name="confirm"),
    path("<int:pk>/void/", views.meeting_void, name="void"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/attendance/observer/", views.attendance_observer, name="attendance_observer"),
    path("<int:pk>/attendance/<int:person_id>/", views.attendance_set, name="attendance_set"),
    path("<int:pk>/attendance/<int:person_id>/makeup/", views.makeup, name="makeup"),
    path("<int:pk>/votes/new/", views.vote_create, name="vote_create"),
    path("<int:pk>/appraisals/", views.appraisals, name="appraisals"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/record.docx", views.meeting_docx, name="docx"),
]
