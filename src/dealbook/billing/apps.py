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

        # step 53: the deal card's Invoices tab (crm.cardtabs: the same explicit registry idea)
        from dealbook.billing.views import deal_tab
        from dealbook.crm.cardtabs import DealTab, register_deal_tab

        register_deal_tab(
            DealTab(
                key="invoices",
                label=deal_tab.label,
                template="billing/_deal_invoices.html",
                context=deal_tab.context,
                order=30,
            )
        )
        hooks.register("deal_can_delete", deal_can_delete)

        # X2: the deal card's Documents tab (contracts and orders from .docx templates)
        from dealbook.billing.views_documents import DOCUMENTS_TAB

        register_deal_tab(DOCUMENTS_TAB)


def deal_can_delete(*, deal, actor) -> None:
    """The crm "deal_can_delete" hook: invoices are numbered documents, so their deal stays."""
    from dealbook.billing.models import Invoice
    from dealbook.core.errors import RuleViolation

    number = Invoice.objects.filter(deal_id=deal.pk).order_by("id").values_list("number", flat=True).first()
    if number is not None:
        raise RuleViolation(
            _("The deal cannot be deleted: it has invoice %(number)s. Invoices stay with their deal.")
            % {"number": number or _("(draft)")},
            field="id",
            code="deal_has_invoices",
        )
