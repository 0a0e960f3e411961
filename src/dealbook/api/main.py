"""API assembly only: auth, the error format and each app's routers under /api/v1/."""

from __future__ import annotations

import pydantic_core
from ninja import NinjaAPI
from ninja.renderers import BaseRenderer

from dealbook.api import errors
from dealbook.api.auth import AUTH


class JSONRenderer(BaseRenderer):
    """JSON through pydantic-core (Rust): a quarter of a list response's time went to json.dumps
    with Ninja's encoder (bench/ab_variants.py). Decimals stay strings ("4000.00"), never floats."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return pydantic_core.to_json(data, fallback=str)


api = NinjaAPI(
    title="Dealbook API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=JSONRenderer(),
)
errors.install(api)


def _mount() -> None:
    from dealbook.accounts.api import router as accounts_router
    from dealbook.activities.api import router as tasks_router
    from dealbook.billing.api import router as billing_router
    from dealbook.billing.api.closing import router as closing_router
    from dealbook.catalog.api import router as catalog_router
    from dealbook.crm.api import routers as crm_routers
    from dealbook.sales.api import router as sales_router

    api.add_router("/v1/", accounts_router)
    api.add_router("/v1/", catalog_router)
    for router in crm_routers:
        api.add_router("/v1/", router)
    api.add_router("/v1/", tasks_router)
    api.add_router("/v1/", sales_router)
    api.add_router("/v1/", billing_router)
    api.add_router("/v1/", closing_router)


_mount()
