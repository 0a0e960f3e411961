"""CRM pages, one module per page family; web/urls.py uses the names re-exported here.

board (the kanban), listing (the deals table), card (the deal card and its timeline), client_block
and lines (the card's client block and Products tab), leads, companies (with the profile block),
contacts (with edit in place and merge), counterparty (requests to accounting), common (shared).
"""

from dealbook.crm.views.board import deal_move, deal_quick_create, deals_board, deals_column, deals_home
from dealbook.crm.views.card import (
    attachment_download,
    deal_assign,
    deal_card,
    deal_comment,
    deal_copy,
    deal_delete,
    deal_field,
    deal_file,
    deal_head,
    deal_timeline,
    field_labels,
)
from dealbook.crm.views.client_block import client_options, deal_client
from dealbook.crm.views.common import deal_url
from dealbook.crm.views.companies import (
    companies_list,
    company_card,
    company_profile,
    company_requisites,
    company_take,
    may_edit_profile,
    profile_context,
)
from dealbook.crm.views.contacts import (
    contact_card,
    contact_edit,
    contact_merge,
    contact_merge_options,
    contact_new,
    contacts_list,
    merge_candidates,
)
from dealbook.crm.views.counterparty import request_card, request_complete, request_new, requests_list
from dealbook.crm.views.leads import lead_card, lead_convert, lead_new, leads_list
from dealbook.crm.views.lines import deal_line_add, deal_line_remove, deal_line_update, product_options
from dealbook.crm.views.listing import deals_bulk, deals_list

__all__ = [
    "attachment_download",
    "client_options",
    "companies_list",
    "company_card",
    "company_profile",
    "company_requisites",
    "company_take",
    "contact_card",
    "contact_edit",
    "contact_merge",
    "contact_merge_options",
    "contact_new",
    "contacts_list",
    "deal_assign",
    "deal_card",
    "deal_client",
    "deal_comment",
    "deal_copy",
    "deal_delete",
    "deal_field",
    "deal_file",
    "deal_head",
    "deal_line_add",
    "deal_line_remove",
    "deal_line_update",
    "deal_move",
    "deal_quick_create",
    "deal_timeline",
    "deal_url",
    "deals_board",
    "deals_bulk",
    "deals_column",
    "deals_home",
    "deals_list",
    "field_labels",
    "lead_card",
    "lead_convert",
    "lead_new",
    "leads_list",
    "may_edit_profile",
    "merge_candidates",
    "product_options",
    "profile_context",
    "request_card",
    "request_complete",
    "request_new",
    "requests_list",
]
