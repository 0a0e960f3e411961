"""dealbook.settings with the settings-level changes that bench/ab_variants.py evaluates.

Only for measuring proposed changes side by side (DEALBOOK_VARIANT=name,name…); never used by
the application itself.
"""

import os

from dealbook.settings import *  # noqa: F403
from dealbook.settings import DATABASES, MIDDLEWARE

_VARIANT = set(filter(None, os.environ.get("DEALBOOK_VARIANT", "").split(",")))

if "no_health_check" in _VARIANT:
    # Django runs SELECT 1 before the first query of every request when health checks are on
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
if "server_binding" in _VARIANT:
    # psycopg binds parameters server-side and prepares statements run 5 times (no re-planning)
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
if "api_middleware" in _VARIANT:
    # what a bearer-token JSON request needs: no messages, no clickjacking header
    MIDDLEWARE = [m for m in MIDDLEWARE if "messages" not in m and "clickjacking" not in m]
