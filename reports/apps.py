from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表"

    def ready(self) -> None:
        from . import scorecard_export, workreport_docx  # noqa: F401  (registers export scorecard, work-report)
