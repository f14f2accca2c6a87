from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表"

    def ready(self) -> None:
        # Imported here, not at the top: models and registries exist only once the apps are loaded.
        from dues.models import PointsSource
        from dues.points import register_points_source
        from meetings import points as attendance

        # registers import/export members (the roster carries dues bases), export scorecard and work-report
        from . import ledger_print, roster_export, roster_import, scorecard_export, workreport_docx  # noqa: F401

        # meetings and dues sit side by side; this app, above both, lets attendance feed the automatic 积分 items.
        register_points_source(PointsSource.ATTENDANCE, attendance.attendance_counts)
        register_points_source(PointsSource.ABSENCE, attendance.absence_counts)
        register_points_source(PointsSource.MAKEUP, attendance.makeup_counts)
