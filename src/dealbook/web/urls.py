"""The pages' routes: the frame (web), deals and parties (crm), tasks (activities), catalog."""

from django.urls import path

from dealbook.activities import views as task_views
from dealbook.billing import views_documents as deal_document_views
from dealbook.billing import views_settings as billing_print_views
from dealbook.billing.views import card as invoice_views
from dealbook.billing.views import lists as invoice_lists
from dealbook.billing.views import mail_templates as email_template_views
from dealbook.billing.views import new as invoice_new_views
from dealbook.billing.views import public as invoice_public_views
from dealbook.catalog import views as catalog_views
from dealbook.crm import views as crm_views
from dealbook.documents import views as document_views
from dealbook.sales import public as proposal_public
from dealbook.sales import views as proposal_views
from dealbook.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    # deals
    path("deals/", crm_views.deals_board, name="deals"),
    path("deals/list/", crm_views.deals_list, name="deals_list"),
    path("deals/bulk/", crm_views.deals_bulk, name="deals_bulk"),
    path("deals/new/", crm_views.deal_quick_create, name="deal_quick_create"),
    path("deals/column/<int:stage_id>/", crm_views.deals_column, name="deals_column"),
    path("deals/<int:pk>/", crm_views.deal_card, name="deal"),
    path("deals/<int:pk>/head/", crm_views.deal_head, name="deal_head"),
    path("deals/<int:pk>/move/", crm_views.deal_move, name="deal_move"),
    path("deals/<int:pk>/assign/", crm_views.deal_assign, name="deal_assign"),
    path("deals/<int:pk>/copy/", crm_views.deal_copy, name="deal_copy"),
    path("deals/<int:pk>/delete/", crm_views.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/field/<str:name>/", crm_views.deal_field, name="deal_field"),
    path("deals/<int:pk>/client/", crm_views.deal_client, name="deal_client"),
    path("clients/options/", crm_views.client_options, name="client_options"),
    path("deals/<int:pk>/timeline/", crm_views.deal_timeline, name="deal_timeline"),
    path("deals/<int:pk>/comment/", crm_views.deal_comment, name="deal_comment"),
    path("deals/<int:pk>/files/", crm_views.deal_file, name="deal_file"),
    path("deals/<int:pk>/lines/", crm_views.deal_line_add, name="deal_line_add"),
    path("deals/<int:pk>/lines/<int:line_id>/", crm_views.deal_line_update, name="deal_line_update"),
    path("deals/<int:pk>/lines/<int:line_id>/remove/", crm_views.deal_line_remove, name="deal_line_remove"),
    path("deals/<int:pk>/tasks/", task_views.deal_task_create, name="deal_task_create"),
    path("contacts/<int:pk>/tasks/", task_views.contact_task_create, name="contact_task_create"),
    path("files/<int:pk>/", crm_views.attachment_download, name="attachment"),
    path("catalog/options/", crm_views.product_options, name="product_options"),
    # parties
    path("leads/", crm_views.leads_list, name="leads"),
    path("leads/new/", crm_views.lead_new, name="lead_new"),
    path("leads/<int:pk>/", crm_views.lead_card, name="lead"),
    path("leads/<int:pk>/convert/", crm_views.lead_convert, name="lead_convert"),
    path("companies/", crm_views.companies_list, name="companies"),
    path("counterparty-requests/", crm_views.requests_list, name="requests"),
    path("counterparty-requests/new/", crm_views.request_new, name="request_new"),
    path("counterparty-requests/<int:pk>/", crm_views.request_card, name="request"),
    path("counterparty-requests/<int:pk>/complete/", crm_views.request_complete, name="request_complete"),
    path("companies/<int:pk>/take/", crm_views.company_take, name="company_take"),
    path("companies/<int:pk>/", crm_views.company_card, name="company"),
    path("companies/<int:pk>/requisites/", crm_views.company_requisites, name="company_requisites"),
    path("companies/<int:pk>/profile/", crm_views.company_profile, name="company_profile"),
    path("contacts/", crm_views.contacts_list, name="contacts"),
    path("contacts/new/", crm_views.contact_new, name="contact_new"),
    path("contacts/<int:pk>/", crm_views.contact_card, name="contact"),
    path("contacts/<int:pk>/edit/", crm_views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/merge/", crm_views.contact_merge, name="contact_merge"),
    path("contacts/<int:pk>/merge/options/", crm_views.contact_merge_options, name="contact_merge_options"),
    path("products/", catalog_views.products_list, name="products"),
    path("products/new/", catalog_views.product_edit, name="product_new"),
    path("products/<int:pk>/", catalog_views.product_edit, name="product_edit"),
    # invoices (billing)
    path("invoices/", invoice_lists.invoices_list, name="invoices_list"),
    path("invoices/new/", invoice_new_views.invoice_new, name="invoice_new"),
    path("invoices/<int:pk>/", invoice_views.invoice_card, name="invoice"),
    path("invoices/<int:pk>/pdf/", invoice_views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/do/<str:action>/", invoice_views.invoice_action, name="invoice_action"),
    path("i/<str:token>/", invoice_public_views.invoice_public, name="invoice_public"),
    path("i/<str:token>/pdf/", invoice_public_views.invoice_public_pdf, name="invoice_public_pdf"),
    path("settings/email-templates/", email_template_views.email_templates_list, name="email_templates"),
    path(
        "settings/email-templates/<str:kind>/<str:language>/",
        email_template_views.email_template_edit,
        name="email_template_edit",
    ),
    # print settings per own legal entity (X2) and closing documents' PDFs (X1)
    path("settings/print/", billing_print_views.print_settings, name="print_settings"),
    path("settings/print/<int:seller_id>/", billing_print_views.print_settings, name="print_settings_seller"),
    path(
        "settings/print/<int:seller_id>/image/<str:name>/",
        billing_print_views.print_settings_image,
        name="print_settings_image",
    ),
    path(
        "settings/print/<int:seller_id>/preview/",
        billing_print_views.print_settings_preview,
        name="print_settings_preview",
    ),
    path(
        "closing-documents/<int:pk>/pdf/",
        billing_print_views.closing_document_pdf,
        name="closing_document_pdf",
    ),
    # print forms and .docx templates (X2)
    path("settings/print-forms/", document_views.print_forms, name="print_forms"),
    path(
        "settings/print-forms/<int:pk>/<str:action>/",
        document_views.print_form_action,
        name="print_form_action",
    ),
    path(
        "settings/print-forms/sample/<str:doc_type>/<str:language>/",
        document_views.print_form_sample,
        name="print_form_sample",
    ),
    path(
        "settings/print-forms/builtin/<str:name>/", document_views.print_form_source, name="print_form_source"
    ),
    path("settings/document-templates/", document_views.doc_templates, name="doc_templates"),
    path(
        "settings/document-templates/<int:pk>/delete/",
        document_views.doc_template_delete,
        name="doc_template_delete",
    ),
    path("deals/<int:pk>/documents/", deal_document_views.deal_document_create, name="deal_document_create"),
    # proposals (Q1–Q3) and the client's public page
    path("proposals/", proposal_views.proposals_list, name="proposals"),
    path("proposals/<int:pk>/", proposal_views.proposal_card, name="proposal"),
    path("proposals/<int:pk>/edit/", proposal_views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/lines/", proposal_views.proposal_line_add, name="proposal_line_add"),
    path(
        "proposals/<int:pk>/lines/<int:line_id>/",
        proposal_views.proposal_line_update,
        name="proposal_line_update",
    ),
    path(
        "proposals/<int:pk>/lines/<int:line_id>/remove/",
        proposal_views.proposal_line_remove,
        name="proposal_line_remove",
    ),
    path("proposals/<int:pk>/send/", proposal_views.proposal_send, name="proposal_send"),
    path("proposals/<int:pk>/to-invoice/", proposal_views.proposal_to_invoice, name="proposal_to_invoice"),
    path("proposals/<int:pk>/decline/", proposal_views.proposal_decline, name="proposal_decline"),
    path("proposals/<int:pk>/pdf/", proposal_views.proposal_pdf_view, name="proposal_pdf"),
    path("proposals/<int:pk>/signed.pdf", proposal_views.proposal_signed_pdf, name="proposal_signed_pdf"),
    path(
        "deals/<int:deal_id>/proposals/new/",
        proposal_views.proposal_new_from_deal,
        name="proposal_new_from_deal",
    ),
    path("p/<str:token>/", proposal_public.public_page, name="proposal_public"),
    path("p/<str:token>/pdf", proposal_public.public_pdf, name="proposal_public_pdf"),
    path("p/<str:token>/signed.pdf", proposal_public.public_signed_pdf, name="proposal_public_signed"),
    path("p/<str:token>/accept/", proposal_public.public_accept, name="proposal_public_accept"),
    path("p/<str:token>/decline/", proposal_public.public_decline, name="proposal_public_decline"),
    # tasks
    path("tasks/", task_views.my_tasks, name="tasks"),
    path("tasks/<int:pk>/", task_views.task_page, name="task"),
    path("tasks/<int:pk>/complete/", task_views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/checklist/", task_views.checklist_add, name="checklist_add"),
    path("checklist/<int:item_id>/toggle/", task_views.checklist_toggle, name="checklist_toggle"),
    path("calendar/", task_views.calendar, name="calendar"),
]
