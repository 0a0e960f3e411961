"""CRM routers: parties (companies, contacts, requests, search), leads (with duplicates) and deals."""

from dealbook.crm.api.deals import routers as _deal_routers
from dealbook.crm.api.leads import routers as _lead_routers
from dealbook.crm.api.parties import routers as _party_routers

routers = [*_party_routers, *_lead_routers, *_deal_routers]
