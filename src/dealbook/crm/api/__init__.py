"""CRM routers: parties (companies, contacts, requests, duplicates, search) and deals (pipelines, deals, leads)."""

from dealbook.crm.api.deals import routers as _deal_routers
from dealbook.crm.api.parties import routers as _party_routers

routers = [*_party_routers, *_deal_routers]
