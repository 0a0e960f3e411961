from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "dealbook.sales"
    label = "sales"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        # the deal card knows nothing of proposals; sales adds its tab through crm's registry
        from dealbook.sales.dealtab import register_deal_tab

        register_deal_tab()
