"""Companies, contacts, counterparty requests and the company search under /api/v1/ (C1–C5, R1–R3).

Handlers fetch through the R2-scoped reads of crm.queries.parties (what a user may not see is a
404), turn ids into records, call one service and return. The rules live in crm.services.
One module per router; `routers` keeps their registration order (and so the URLs and the OpenAPI
paths' order), and common.PartiesRouter keeps their operation ids.
"""

from dealbook.crm.api.parties.companies import companies_router
from dealbook.crm.api.parties.contacts import contacts_router
from dealbook.crm.api.parties.requests import requests_router
from dealbook.crm.api.parties.search import search_router

routers = [companies_router, contacts_router, requests_router, search_router]
