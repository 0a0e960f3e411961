"""The company search under /api/v1/ (C3): name, phone, INN or VAT id from one box."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dealbook.core.errors import InvalidInput
from dealbook.crm import search
from dealbook.crm.api.parties.common import (
    PartiesRouter,
)
from dealbook.crm.api.parties.schemas import (
    SearchOut,
)

search_router = PartiesRouter(tags=["search"])


@search_router.get("search/companies", response=SearchOut)
def search_companies(request, q: str = "", limit: int = 20):
    """C3: companies by name, phone, INN or VAT id fragment from one box (`q`), R2-scoped."""
    if limit < 1 or limit > 100:
        raise InvalidInput(_("limit: must be between 1 and 100."), field="limit")
    return {"items": search.search_companies(request.auth, q, limit=limit)}
