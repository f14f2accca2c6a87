from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "党员"

    def ready(self) -> None:
        from . import exporters, importers  # noqa: F401  (registers roster import/export)
