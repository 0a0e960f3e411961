import pytest
from django.test import Client


@pytest.fixture
def client_as():
    """client_as(user) -> a page client signed in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def htmx():
    """Headers of an htmx request (the card answers with its #invoice part)."""
    return {"HTTP_HX_REQUEST": "true"}
