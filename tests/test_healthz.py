"""GET /healthz answers when the server is ready (issue 2: "GET /healthz answers when the server is ready")."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_200_with_status_ok_without_login():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_touches_the_database(django_assert_num_queries):
    """Ready means the database answers, not merely that the process runs."""
    with django_assert_num_queries(1):
        assert Client().get("/healthz").status_code == 200
