"""Error fields in the client's words: services name a reference `responsible`, the API `responsible_id`.

The API convention: a field holding a record's id is `<name>_id` (a list of ids: `<name>_ids`) in
requests and responses. Services take records and name them plainly, so an error they raise says
field="responsible"; `request_fields` re-raises it as field="responsible_id" when that is what the
client sent, and leaves every other field (and plain names the request really has) alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from pydantic import BaseModel

from dealbook.core.errors import DomainError


def sent_names(*sources) -> set[str]:
    """The field names of request schemas (classes or instances) and plain names, as one set."""
    names: set[str] = set()
    for source in sources:
        if source is None:
            continue
        if isinstance(source, str):
            names.add(source)
        elif isinstance(source, BaseModel) or (isinstance(source, type) and issubclass(source, BaseModel)):
            model = source if isinstance(source, type) else type(source)
            for name, info in model.model_fields.items():
                names.add(name)
                if info.alias:
                    names.add(info.alias)
        elif isinstance(source, Iterable):
            names.update(str(n) for n in source)
    return names


def request_field(field: str | None, names: set[str], renames: dict[str, str] | None = None) -> str | None:
    """The request's name for a service's `field`: an explicit rename, else `<field>_id` or
    `<singular>_ids` when the request has that and not `field` itself, else `field` unchanged."""
    if not field:
        return field
    if renames and field in renames:
        return renames[field]
    if field in names:
        return field
    for candidate in (f"{field}_id", f"{field}_ids", f"{field.removesuffix('s')}_ids"):
        if candidate in names:
            return candidate
    return field


@contextmanager
def request_fields(*sources, **renames: str) -> Iterator[None]:
    """Run a service call; a DomainError it raises leaves with the field named as the client sent it.

    with request_fields(payload):            # responsible -> responsible_id, contacts -> contact_ids
        services.deal_create(...)
    with request_fields("stage_id", after="after_id"):
        ...
    """
    names = sent_names(*sources)
    try:
        yield
    except DomainError as exc:
        exc.field = request_field(exc.field, names, renames)
        raise
