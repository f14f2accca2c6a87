from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.index, name="index"),
    path("unit/<int:pk>/", views.unit_dues, name="unit"),
    path("unit/<int:pk>/sheet/<str:month>/", views.month_sheet, name="sheet"),
    path("unit/<int:pk>/sheet/<str:month>/generate/", views.generate, name="generate"),
    path("unit/<int:pk>/bases/<int:year>/", views.base_review, name="bases"),
    path("unit/<int:pk>/arrears/", views.arrears, name="arrears"),
    path("unit/<int:pk>/arrears/cases/", views.arrears_open_cases, name="arrears_open_cases"),
    path("cases/<int:pk>/handle/", views.case_handle, name="case_handle"),
    path("unit/<int:pk>/remittances/", views.remittances, name="remittances"),
    path("remittances/<int:pk>/void/", views.remittance_void, name="remittance_void"),
    path("person/<int:pk>/", views.person_dues, name="person"),
    path("person/<int:pk>/prepay/", views.person_prepay, name="person_prepay"),
    path("payments/<int:pk>/void/", views.payment_void, name="payment_void"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("unit/<int:pk>/points/", views.points_year, name="points_year"),
    path("unit/<int:pk>/points/<str:month>/", views.points_month, name="points"),
    path("unit/<int:pk>/points/<str:month>/public/", views.points_public, name="points_public"),
]
