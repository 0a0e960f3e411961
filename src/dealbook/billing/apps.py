from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "dealbook.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        # D7: crm knows nothing of invoices; it asks the guard billing registers here (DESIGN: no signals)
        from dealbook.billing.services import closing
        from dealbook.crm import hooks

        hooks.register("deal_can_move", closing.deal_can_move)
