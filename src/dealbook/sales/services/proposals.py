"""Creating and editing proposals: from a deal (its lines copied) or blank, numbered gaplessly per
seller and year, edited only while a Draft (Q1)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.catalog.lines import LineCatalog
from dealbook.catalog.models import TaxProfile
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.numbering import format_number, next_number
from dealbook.crm.models import Company, Contact, Deal, DealContact, DealLine
from dealbook.sales.models import Proposal, ProposalLine
from dealbook.sales.services import lines as line_rules
from dealbook.sales.services.common import lock_proposal, record, refuse_unless_draft, require_sales, sync

# distinct from invoices ("2018 / 943") at a glance: "2026-001"
NUMBER_PATTERN = "{year}-{seq:03d}"
DEFAULT_VALIDITY_DAYS = 14
MAX_TEXT = 255
EDITABLE = {"title", "comment", "valid_until", "payer_company", "payer_contact"}


def _seller(seller) -> Company:
    """The seller is one of our own legal entities; with only one, it is the default (I2)."""
    if seller is None:
        own = list(Company.objects.filter(is_own=True).order_by("pk")[:2])
        if len(own) != 1:
            raise InvalidInput(_("Choose which of our legal entities makes the proposal."), field="seller")
        return own[0]
    if isinstance(seller, Company) and seller.pk and seller.is_own:
        return seller  # loaded by the caller as one of ours
    pk = getattr(seller, "pk", seller)
    found = Company.objects.filter(pk=pk, is_own=True).first() if isinstance(pk, int) else None
    if found is None:
        raise InvalidInput(_("The seller must be one of our own legal entities."), field="seller")
    return found


def _client(company, contact) -> tuple[Company | None, Contact | None]:
    if company is not None and not isinstance(company, Company):
        raise InvalidInput(_("Choose a company as client."), field="payer_company")
    if contact is not None and not isinstance(contact, Contact):
        raise InvalidInput(_("Choose a contact as client."), field="payer_contact")
    if company is None and contact is None:
        raise InvalidInput(_("A proposal needs a client: a company or a contact."), field="payer_company")
    if company is not None and company.is_own:
        raise InvalidInput(_("Our own legal entity cannot be the client."), field="payer_company")
    return company, contact


def _date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            _("%(field)s: a date is written YYYY-MM-DD.") % {"field": field}, field=field
        ) from None


def _valid_until(value, date: dt.date) -> dt.date:
    valid = _date(value, "valid_until") or date + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)
    if valid < date:
        raise InvalidInput(_("A proposal cannot expire before its date."), field="valid_until")
    return valid


def _text(value, field: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(n)d characters.") % {"field": field, "n": limit}, field=field
        )
    return value


def _currency(value) -> str:
    currency = (value or settings.DEALBOOK_DEFAULT_CURRENCY).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput(_("A currency is a three-letter ISO code (RUB, EUR)."), field="currency")
    return currency


def _numbered(seller: Company, date: dt.date) -> dict:
    """Gapless per seller and year: the sequence row stays locked until the proposal commits."""
    seq = next_number(scope=f"seller:{seller.pk}", doc_type="proposal", year=date.year)
    return {"year": date.year, "seq": seq, "number": format_number(NUMBER_PATTERN, year=date.year, seq=seq)}


def _lock_deal(actor, deal) -> Deal:
    from dealbook.crm.queries.deals import deal_visible_to

    # the deal row is locked while its lines are copied (crm's line services lock the same row)
    found = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "company", "tax_profile", "responsible")
        .filter(pk=getattr(deal, "pk", deal))
        .first()
    )
    if found is None or not deal_visible_to(actor, found):
        raise InvalidInput(_("Unknown deal."), field="deal")
    if found.stage.is_closed:
        raise RuleViolation(
            _("The deal is closed (%(stage)s): it gets no new proposal.") % {"stage": found.stage.name},
            field="deal",
            code="deal_closed",
        )
    return found


def _deal_client(deal: Deal) -> tuple[Company | None, Contact | None]:
    """The deal's company, else its primary contact."""
    if deal.company_id:
        return deal.company, None
    link = (
        DealContact.objects.filter(deal=deal).select_related("contact").order_by("-is_primary", "id").first()
    )
    return None, (link.contact if link else None)


@transaction.atomic
def proposal_create(
    *,
    actor,
    deal: Deal | None = None,
    seller=None,
    payer_company: Company | None = None,
    payer_contact: Contact | None = None,
    date=None,
    valid_until=None,
    currency: str | None = None,
    tax_profile: TaxProfile | None = None,
    tax_date=None,
    title: str | None = None,
    comment: str = "",
    lines: list[dict] = (),
) -> Proposal:
    """Q1 a Draft: from a deal (its lines copied as priced, its currency, tax and client) or blank
    (a client and lines given as product, quantity, price, discount)."""
    require_sales(actor)
    date = _date(date, "date") or timezone.localdate()
    fields = {"seller": _seller(seller), "date": date, "valid_until": _valid_until(valid_until, date)}
    if deal is not None:
        if lines:
            raise InvalidInput(_("A proposal from a deal takes the deal's lines."), field="lines")
        deal = _lock_deal(actor, deal)
        if payer_company is None and payer_contact is None:
            payer_company, payer_contact = _deal_client(deal)
        fields.update(
            currency=deal.currency,
            tax_profile=deal.tax_profile,
            tax_date=deal.tax_date,
            responsible=deal.responsible or actor,
            title=_text(deal.title if title is None else title, "title"),
        )
    else:
        tax_profile = tax_profile or TaxProfile.objects.filter(is_default=True).order_by("pk").first()
        if tax_profile is None:
            raise InvalidInput(_("No default tax profile is configured; choose one."), field="tax_profile")
        fields.update(
            currency=_currency(currency),
            tax_profile=tax_profile,
            tax_date=_date(tax_date, "tax_date") or date,
            responsible=actor,
            title=_text(title, "title"),
        )
    company, contact = _client(payer_company, payer_contact)
    proposal = Proposal.objects.create(
        deal=deal,
        payer_company=company,
        payer_contact=contact,
        comment=(comment or "").strip(),
        created_by=actor,
        **fields,
        **_numbered(fields["seller"], date),
    )
    line_rules.recalculate(proposal, _add_lines(proposal, deal, lines))
    record(
        proposal,
        EventKind.CREATED,
        actor=actor,
        data={"total": proposal.total, "currency": proposal.currency, "client": proposal.client_name},
    )
    return proposal


def _add_lines(proposal: Proposal, deal: Deal | None, specs) -> list[ProposalLine]:
    """The deal's lines copied as priced, or the given ones priced (P1–P6): written in one insert."""
    if deal is not None:
        source = DealLine.objects.filter(deal=deal).order_by("sort", "id")
        return ProposalLine.objects.bulk_create([line_rules.copy_line(proposal, x) for x in source])
    allowed = {"product", "quantity", "unit", "price", "discount_kind", "discount_value"}
    specs = list(specs or ())
    for n, spec in enumerate(specs):
        unknown = set(spec) - allowed
        if unknown:
            raise InvalidInput(
                _("lines[%(n)d]: unknown field %(f)s.") % {"n": n, "f": sorted(unknown)[0]}, field="lines"
            )
    catalog = LineCatalog(specs, proposal.tax_profile, proposal.tax_date)
    built = [line_rules.build_line(proposal, **spec, catalog=catalog) for spec in specs]
    for n, line in enumerate(built):
        line.sort = (n + 1) * 10
    return ProposalLine.objects.bulk_create(built)


@transaction.atomic
def proposal_update(*, actor, proposal: Proposal, **fields) -> Proposal:
    """Q1: subject, comment, validity date and client change only while a Draft; R3 from/to."""
    unknown = set(fields) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed here.") % {"field": name}, field=name)
    locked = lock_proposal(actor, proposal)
    refuse_unless_draft(locked)
    old = {name: getattr(locked, name) for name in EDITABLE}
    if "title" in fields:
        locked.title = _text(fields["title"], "title")
    if "comment" in fields:
        locked.comment = (fields["comment"] or "").strip()
    if "valid_until" in fields:
        locked.valid_until = _valid_until(fields["valid_until"] or locked.valid_until, locked.date)
    if "payer_company" in fields or "payer_contact" in fields:
        locked.payer_company, locked.payer_contact = _client(
            fields.get("payer_company", locked.payer_company),
            fields.get("payer_contact", locked.payer_contact),
        )
    locked.save_changes()
    for name, before in old.items():
        after = getattr(locked, name)
        before, after = getattr(before, "pk", before), getattr(after, "pk", after)
        if before != after:
            timeline.change(locked, name, before, after, actor=actor)
    return sync(proposal, locked)
