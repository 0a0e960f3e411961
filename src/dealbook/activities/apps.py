from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "dealbook.activities"
    label = "activities"
    verbose_name = _("Tasks and activities")

    def ready(self) -> None:
        # T1: crm knows nothing of tasks; it calls what activities registers here (DESIGN: no signals)
        from dealbook.activities import services
        from dealbook.crm import hooks

        hooks.register("deal_created", services.on_deal_created)
        hooks.register("deal_assigned", services.on_deal_assigned)
