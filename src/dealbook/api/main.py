"""API assembly only: auth, the error format and each app's routers under /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from dealbook.api import errors
from dealbook.api.auth import AUTH

api = NinjaAPI(
    title="Dealbook API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


def _mount() -> None:
    from dealbook.accounts.api import router as accounts_router
    from dealbook.activities.api import router as tasks_router
    from dealbook.billing.api import router as billing_router
    from dealbook.catalog.api import router as catalog_router
    from dealbook.crm.api import routers as crm_routers

    api.add_router("/v1/", accounts_router)
    api.add_router("/v1/", catalog_router)
    for router in crm_routers:
        api.add_router("/v1/", router)
    api.add_router("/v1/", tasks_router)
    api.add_router("/v1/", billing_router)


_mount()
