from django.urls import path

from .views import attachments, attendance, calendar, compliance, meetings, people, rules, talks, votes

app_name = "meetings"
urlpatterns = [
    path("", compliance.index, name="index"),
    path("list/", meetings.meeting_list, name="list"),
    path("list/records.docx", meetings.meeting_list_docx, name="list_docx"),
    path("new/", meetings.meeting_create, name="create"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("compliance/", compliance.compliance_page, name="compliance"),
    path("compliance/grid/", compliance.compliance_grid, name="grid"),
    path("compliance/cell/", compliance.compliance_cell, name="cell"),
    path("compliance/history/", compliance.compliance_history, name="history"),
    path("talks/", talks.talks, name="talks"),
    path("rules/", rules.rules, name="rules"),
    path("people/<int:pk>/", people.person_record, name="person"),
    path("<int:pk>/", meetings.meeting_detail, name="detail"),
    path("<int:pk>/edit/", meetings.meeting_edit, name="edit"),
    path("<int:pk>/amend/", meetings.meeting_amend, name="amend"),
    path("<int:pk>/confirm/", meetings.meeting_confirm, name="confirm"),
    path("<int:pk>/void/", meetings.meeting_void, name="void"),
    path("<int:pk>/attendance/", attendance.attendance, name="attendance"),
    path("<int:pk>/attendance/observer/", attendance.attendance_observer, name="attendance_observer"),
    path("<int:pk>/attendance/<int:person_id>/", attendance.attendance_set, name="attendance_set"),
    path("<int:pk>/attendance/<int:person_id>/makeup/", attendance.makeup, name="makeup"),
    path("<int:pk>/votes/new/", votes.vote_create, name="vote_create"),
    path("<int:pk>/appraisals/", votes.appraisals, name="appraisals"),
    path("<int:pk>/attachments/", attachments.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", attachments.attachment_download, name="attachment"),
    path("<int:pk>/record.docx", meetings.meeting_docx, name="docx"),
]
