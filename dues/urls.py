from django.urls import path

from .views import arrears, bases, ledger, payments, points, remittances

app_name = "dues"
urlpatterns = [
    path("", ledger.index, name="index"),
    path("unit/<int:pk>/", ledger.unit_dues, name="unit"),
    path("unit/<int:pk>/sheet/<str:month>/", ledger.month_sheet, name="sheet"),
    path("unit/<int:pk>/sheet/<str:month>/generate/", ledger.generate, name="generate"),
    path("unit/<int:pk>/sheet/<str:month>/top-up/", ledger.top_up, name="top_up"),
    path("unit/<int:pk>/bases/<int:year>/", bases.base_review, name="bases"),
    path("unit/<int:pk>/arrears/", arrears.arrears, name="arrears"),
    path("unit/<int:pk>/arrears/cases/", arrears.arrears_open_cases, name="arrears_open_cases"),
    path("cases/<int:pk>/handle/", arrears.case_handle, name="case_handle"),
    path("unit/<int:pk>/remittances/", remittances.remittances, name="remittances"),
    path("remittances/<int:pk>/void/", remittances.remittance_void, name="remittance_void"),
    path("person/<int:pk>/", payments.person_dues, name="person"),
    path("person/<int:pk>/prepay/", payments.person_prepay, name="person_prepay"),
    path("payments/<int:pk>/void/", payments.payment_void, name="payment_void"),
    path("receipts/<int:pk>/", payments.receipt, name="receipt"),
    path("unit/<int:pk>/points/", points.points_year, name="points_year"),
    path("unit/<int:pk>/points/<str:month>/", points.points_month, name="points"),
    path("unit/<int:pk>/points/<str:month>/public/", points.points_public, name="points_public"),
]
