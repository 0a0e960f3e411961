"""Invoice templates under /api/v1/invoice-templates (I11)."""

from __future__ import annotations

from ninja import Status

from dealbook.billing import queries as bq
from dealbook.billing import services as svc
from dealbook.billing.api import router
from dealbook.billing.api.invoices import _company, _contact, _detail
from dealbook.billing.schemas import (
    BulkResultOut,
    BulkSendIn,
    InvoiceOut,
    TemplateCreateIn,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
)


def _template_fields(user, given: dict) -> dict:
    for name in ("payer_company", "supplier", "carrier", "seller"):
        if name in given:
            given[name] = _company(user, given[name], name, any_company=name != "payer_company")
    if "payer_contact" in given:
        given["payer_contact"] = _contact(user, given["payer_contact"])
    if given.get("lines") is not None:
        given["lines"] = [dict(line) for line in given["lines"]]
    return given


@router.get("invoice-templates", response=list[TemplateOut])
def templates_list(request):
    return list(bq.visible_templates(request.auth).prefetch_related("lines").order_by("name", "id")[:200])


@router.post("invoice-templates", response={201: TemplateOut})
def templates_create(request, payload: TemplateIn):
    """I11: a recurring set of lines for a payer."""
    fields = _template_fields(request.auth, payload.dict())
    template = svc.invoice_template_create(actor=request.auth, **fields)
    return Status(201, bq.template_for(request.auth, template.pk))


@router.get("invoice-templates/{int:template_id}", response=TemplateOut)
def templates_get(request, template_id: int):
    return bq.template_for(request.auth, template_id)


@router.patch("invoice-templates/{int:template_id}", response=TemplateOut)
def templates_patch(request, template_id: int, payload: TemplatePatch):
    template = bq.template_for(request.auth, template_id)
    fields = _template_fields(request.auth, payload.dict(exclude_unset=True))
    svc.invoice_template_update(actor=request.auth, template=template, **fields)
    return bq.template_for(request.auth, template_id)


@router.post("invoice-templates/{int:template_id}/invoices", response={201: InvoiceOut})
def templates_invoice(request, template_id: int, payload: TemplateCreateIn):
    """I11: a New invoice from the template (then edited as any New invoice)."""
    template = bq.template_for(request.auth, template_id)
    invoice = svc.invoice_create_from_template(actor=request.auth, template=template, date=payload.date)
    return Status(201, _detail(request.auth, invoice.pk))


@router.post("invoice-templates/send", response=list[BulkResultOut])
def templates_send(request, payload: BulkSendIn):
    """I11: invoices from several templates, sent unchanged; each result says what happened."""
    templates = [bq.template_for(request.auth, pk) for pk in payload.templates]
    results = svc.invoice_templates_send(actor=request.auth, templates=templates, date=payload.date)
    return [
        {
            "template_id": r.template_id,
            "invoice_id": r.invoice.pk if r.invoice else None,
            "number": r.invoice.number if r.invoice else None,
            "error": r.error,
        }
        for r in results
    ]
