"""Billing pages: the invoices list, the invoice card with its lifecycle, the deal's Invoices tab,
the public invoice page and the e-mail templates settings.

Views fetch through billing.queries (R1 roles, R2 visibility: another's invoice is a 404), call one
service per action and render; every rule stays in billing.services and surfaces here as the
service's message, at the field it names.
"""
