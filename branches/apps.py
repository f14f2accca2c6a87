from django.apps import AppConfig


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = "组织"

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the orgs importer)
