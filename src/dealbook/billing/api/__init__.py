"""Billing's API: one router (mounted under /api/v1/ by api.main) whose handlers live in
invoices.py (invoices, lines, actions, PDF, closing documents, payments) and templates.py (I11)."""

from ninja import Router

router = Router(tags=["invoices"])

from dealbook.billing.api import invoices, templates  # noqa: E402, F401  (register the handlers)
