"""Dealbook: a sales CRM whose deals end in money."""
