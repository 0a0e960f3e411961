"""Administrator pages for X2: uploaded print forms (.typ) and .docx document templates.

Each page lists what there is and has an upload form; a refused upload (a form that does not
compile or reads outside its folder, a template with an unknown variable) is shown at the file
field with the service's message, and nothing is saved.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.core.errors import DomainError, NotFound
from dealbook.documents import services
from dealbook.documents.docx import documented_variables
from dealbook.documents.models import CustomForm, DocType, DocumentTemplate, FormLanguage
from dealbook.documents.render import FORMS_DIR, builtin_forms
from dealbook.documents.samples import sample_data
from dealbook.web.pages import page, post_value, render_form

# ---------------------------------------------------------------- print forms


def _slots(forms: list[CustomForm]) -> list[dict]:
    """One row per document type and language: what prints it now and the forms uploaded for it."""
    builtin = set(builtin_forms())
    rows = []
    for doc_type, type_label in DocType.choices:
        for language, language_label in FormLanguage.choices:
            mine = [f for f in forms if f.doc_type == doc_type and f.language == language]
            rows.append(
                {
                    "doc_type": doc_type,
                    "type_label": type_label,
                    "language": language,
                    "language_label": language_label,
                    "builtin": f"{doc_type}_{language}" if f"{doc_type}_{language}" in builtin else "",
                    "active": next((f for f in mine if f.is_active), None),
                    "forms": mine,
                }
            )
    return rows


def _forms_page(request, values=None, error=None):
    forms = list(CustomForm.objects.select_related("uploaded_by").order_by("doc_type", "language", "-id"))
    context = {
        "section": "settings",
        "slots": _slots(forms),
        "doc_types": DocType.choices,
        "languages": FormLanguage.choices,
        "values": values or {"doc_type": DocType.INVOICE, "language": FormLanguage.RU, "activate": True},
    }
    return render_form(request, "documents/print_forms.html", context, error)


@page
def print_forms(request):
    """X2: the administrator's print forms: list per document type and language, and upload."""
    services.require_admin(request.user)
    if request.method != "POST":
        return _forms_page(request)
    values = {
        "doc_type": post_value(request, "doc_type", ""),
        "language": post_value(request, "language", ""),
        "name": post_value(request, "name", ""),
        "activate": request.POST.get("activate") == "on",
    }
    try:
        form = services.form_upload(actor=request.user, uploaded_file=request.FILES.get("file"), **values)
    except DomainError as exc:
        return _forms_page(request, values, exc)
    messages.success(
        request, _("The print form “%(name)s” passed the test render and is saved.") % {"name": form}
    )
    return redirect("print_forms")


_FORM_ACTIONS = {
    "activate": (services.form_activate, gettext_lazy("The form is now used for printing.")),
    "deactivate": (services.form_deactivate, gettext_lazy("The built-in form is used again.")),
    "delete": (services.form_delete, gettext_lazy("The form is deleted.")),
}


@require_POST
@page
def print_form_action(request, pk: int, action: str):
    services.require_admin(request.user)
    if action not in _FORM_ACTIONS:
        raise Http404
    service, done = _FORM_ACTIONS[action]
    form = CustomForm.objects.filter(pk=pk).first()
    if form is None:
        raise NotFound(_("Print form not found."), field="id")
    try:
        service(actor=request.user, form=form)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("print_forms")
    messages.success(request, str(done))
    return redirect("print_forms")


@page
def print_form_sample(request, doc_type: str, language: str):
    """The sample data a form of this type receives, to write a form against (X2)."""
    services.require_admin(request.user)
    if doc_type not in DocType.values or language not in FormLanguage.values:
        raise Http404
    body = json.dumps(sample_data(doc_type, language), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{doc_type}_{language}_sample.json"'
    return response


@page
def print_form_source(request, name: str):
    """A built-in form's source, the usual starting point of a custom form."""
    services.require_admin(request.user)
    if name not in builtin_forms():
        raise Http404
    return FileResponse(open(FORMS_DIR / f"{name}.typ", "rb"), as_attachment=True, filename=f"{name}.typ")


# ---------------------------------------------------------------- .docx templates


def _templates_page(request, values=None, error=None):
    context = {
        "section": "settings",
        "templates": list(DocumentTemplate.objects.select_related("uploaded_by").order_by("name", "id")),
        "documented": documented_variables(),
        "values": values or {},
    }
    return render_form(request, "documents/doc_templates.html", context, error)


@page
def doc_templates(request):
    """X2: .docx templates for contracts and orders: upload (variables checked), list, delete."""
    services.require_admin(request.user)
    if request.method != "POST":
        return _templates_page(request)
    values = {"name": post_value(request, "name", "")}
    try:
        template = services.template_upload(
            actor=request.user, uploaded_file=request.FILES.get("file"), name=values["name"]
        )
    except DomainError as exc:
        return _templates_page(request, values, exc)
    messages.success(request, _("The template “%(name)s” is saved.") % {"name": template.name})
    return redirect("doc_templates")


@require_POST
@page
def doc_template_delete(request, pk: int):
    services.require_admin(request.user)
    services.template_delete(actor=request.user, template=pk)
    messages.success(request, _("The template is deleted."))
    return redirect("doc_templates")
