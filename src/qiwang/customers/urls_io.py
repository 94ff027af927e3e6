"""Routes of customer import, export and the monthly report, under /customers/ (namespace
``customers_io``; included from project/urls.py next to ``customers.urls``)."""

from django.urls import path

from qiwang.customers import views_io, views_reports

app_name = "customers_io"

urlpatterns = [
    path("import/", views_io.customer_import, name="import"),
    path("import/apply/", views_io.customer_import_apply, name="import_apply"),
    path(
        "import/template.<str:file_format>",
        views_io.customer_import_template,
        name="import_template",
    ),
    path("export.<str:file_format>", views_io.customer_export, name="export"),
    path("reports/monthly/", views_reports.monthly_report_page, name="report_monthly"),
    path(
        "reports/monthly.<str:file_format>",
        views_reports.monthly_report_download,
        name="report_monthly_download",
    ),
]
