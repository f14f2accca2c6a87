from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "三会一课"

    def ready(self) -> None:
        from . import exporters, importers  # noqa: F401  (registers import_xlsx/export meetings, export compliance)
