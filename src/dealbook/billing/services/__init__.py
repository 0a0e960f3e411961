"""Billing services: every write a user or job can cause on invoices, payments and closing documents."""

from dealbook.billing.services.closing import (  # noqa: F401
    closing_document_create,
    closing_document_receive,
    deal_can_move,
    won_refusal,
)
from dealbook.billing.services.invoices import (  # noqa: F401
    invoice_create,
    invoice_create_from_deal,
    invoice_delete,
    invoice_set_parties,
    invoice_update,
)
from dealbook.billing.services.lifecycle import (  # noqa: F401
    available_actions,
    invoice_approve,
    invoice_cancel,
    invoice_is_overdue,
    invoice_issue,
    invoice_mark_exported,
    invoice_mark_paid,
    invoice_pay,
    invoice_refund,
    invoice_send,
    invoice_submit_for_approval,
    needs_approval,
)
from dealbook.billing.services.lines import (  # noqa: F401
    invoice_line_add,
    invoice_line_remove,
    invoice_line_update,
)
from dealbook.billing.services.mail import invoice_email  # noqa: F401
from dealbook.billing.services.payments import payment_record  # noqa: F401
from dealbook.billing.services.templates import (  # noqa: F401
    invoice_create_from_template,
    invoice_template_create,
    invoice_template_update,
    invoice_templates_send,
)
