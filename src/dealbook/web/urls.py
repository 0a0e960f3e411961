"""The pages' routes: the frame (web), deals and parties (crm), tasks (activities), catalog."""

from django.urls import path

from dealbook.activities import views as task_views
from dealbook.catalog import views as catalog_views
from dealbook.crm import views as crm_views
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
    path("contacts/", crm_views.contacts_list, name="contacts"),
    path("contacts/new/", crm_views.contact_new, name="contact_new"),
    path("contacts/<int:pk>/", crm_views.contact_card, name="contact"),
    path("products/", catalog_views.products_list, name="products"),
    path("products/new/", catalog_views.product_edit, name="product_new"),
    path("products/<int:pk>/", catalog_views.product_edit, name="product_edit"),
    # tasks
    path("tasks/", task_views.my_tasks, name="tasks"),
    path("tasks/<int:pk>/", task_views.task_page, name="task"),
    path("tasks/<int:pk>/complete/", task_views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/checklist/", task_views.checklist_add, name="checklist_add"),
    path("checklist/<int:item_id>/toggle/", task_views.checklist_toggle, name="checklist_toggle"),
    path("calendar/", task_views.calendar, name="calendar"),
]
