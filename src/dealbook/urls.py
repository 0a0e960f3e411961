from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path

from dealbook.api.main import api


def healthz(request):
    """Ready when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("dealbook.web.urls")),
]
