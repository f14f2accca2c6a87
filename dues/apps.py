from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dues"
    verbose_name = "党费与积分"

    def ready(self) -> None:
        from . import exporters, importers  # noqa: F401  (registers payments import, dues/points export)
