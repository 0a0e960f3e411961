"""English and Russian are complete (SPEC: every user-visible string is translatable).

The Russian catalog lives in src/dealbook/locale/ru/LC_MESSAGES: django.po is what people edit,
django.mo is what Django reads and is committed so a machine without GNU gettext still works.
`make messages` re-extracts the strings and recompiles; these tests fail when that was forgotten,
when an entry is left untranslated or fuzzy, or when a translation drops a placeholder.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

import dealbook
from dealbook.accounts.models import Role
from dealbook.core.errors import InvalidInput
from dealbook.core.models import EventKind
from dealbook.crm.duplicates import Match, Matches
from dealbook.crm.models import StageKind
from dealbook.crm.validators import validate_inn

SRC = Path(dealbook.__file__).resolve().parent
MESSAGES = SRC / "locale" / "ru" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string is a C string literal; ours hold no octal escapes


def parse_po(text: str) -> list[dict]:
    """Entries of a PO file: msgid, msgid_plural, msgstr {index: text}, flags. The header is first."""
    entries: list[dict] = []
    entry: dict | None = None
    target: tuple | None = None
    for line in [*text.splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, target = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry["msgctxt"], target = _unquote(line[8:]), ("msgctxt",)
        elif line.startswith("msgid_plural "):
            entry["msgid_plural"], target = _unquote(line[13:]), ("msgid_plural",)
        elif line.startswith("msgid "):
            entry["msgid"], target = _unquote(line[6:]), ("msgid",)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry["msgstr"][index] = _unquote(line[line.index("]") + 1 :].strip())
            target = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry["msgstr"][0], target = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target:
            if target[0] == "msgstr":
                entry["msgstr"][target[1]] += _unquote(line)
            else:
                entry[target[0]] += _unquote(line)
    return entries


@pytest.fixture(scope="module")
def catalog() -> tuple[dict, list[dict]]:
    entries = [e for e in parse_po(PO.read_text(encoding="utf-8")) if not e["obsolete"]]
    header, body = entries[0], entries[1:]
    assert header["msgid"] == "", "the PO file must start with its header"
    return header, body


@pytest.fixture(autouse=True)
def _english_afterwards():
    # LocaleMiddleware activates the request's language in this thread; leave English behind
    with translation.override("en"):
        yield


def _nplurals(header: dict) -> int:
    match = re.search(r"nplurals=(\d+)", header["msgstr"][0])
    assert match, "the PO header needs a Plural-Forms line"
    return int(match.group(1))


# ------------------------------------------------------------------------ (a) the catalog is complete


def test_russian_catalog_has_no_untranslated_or_fuzzy_entries(catalog):
    header, body = catalog
    assert "Language: ru" in header["msgstr"][0] and "fuzzy" not in header["flags"]
    nplurals = _nplurals(header)
    assert len(body) > 300
    fuzzy = [e["msgid"] for e in body if "fuzzy" in e["flags"]]
    empty = [
        e["msgid"]
        for e in body
        if any(not e["msgstr"].get(i) for i in range(nplurals if "msgid_plural" in e else 1))
    ]
    assert not fuzzy, f"fuzzy entries, review them: {fuzzy[:10]}"
    assert not empty, f"untranslated entries (run `make messages` and translate): {empty[:10]}"


def test_every_translation_keeps_the_placeholders_of_its_source(catalog):
    _, body = catalog
    wrong = []
    for e in body:
        wanted = set(PLACEHOLDER.findall(e["msgid"])) | set(PLACEHOLDER.findall(e.get("msgid_plural", "")))
        for text in e["msgstr"].values():
            if set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((e["msgid"], text))
    assert not wrong, wrong[:10]


def test_source_strings_are_all_in_the_catalog(catalog):
    """A string wrapped in gettext in Python code or {% translate %} in a template but missing from
    django.po means `make messages` was not run after adding it."""
    _, body = catalog
    known = {e["msgid"] for e in body}
    names = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
    missing = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            if name in names and isinstance(first, ast.Constant) and isinstance(first.value, str):
                if first.value and first.value not in known:
                    missing.add(f"{path.relative_to(SRC)}: {first.value}")
    tag = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1(?P<rest>[^%]*)%}""")
    for path in SRC.rglob("*.html"):
        for match in tag.finditer(path.read_text(encoding="utf-8")):
            if "context" not in match.group("rest") and match.group(2) not in known:
                missing.add(f"{path.relative_to(SRC)}: {match.group(2)}")
    assert not missing, "run `make messages` and translate: " + "; ".join(sorted(missing)[:15])


# ------------------------------------------------------------------- (b) the compiled catalog is current


def test_compiled_mo_matches_the_po(catalog):
    """django.mo holds exactly the translations of django.po (recompile with `make messages`)."""
    _, body = catalog
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog  # noqa: SLF001 - the only way to list it
    expected: dict = {}
    for e in body:
        key = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            for index, text in e["msgstr"].items():
                expected[(key, index)] = text
        else:
            expected[key] = e["msgstr"][0]
    compiled = {k: v for k, v in compiled.items() if k != ""}
    stale = sorted(str(k) for k in expected.keys() ^ compiled.keys())
    changed = sorted(str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert not stale and not changed, f"django.mo is out of date: {(stale + changed)[:10]}"


# ------------------------------------------------------------------------------ (c) Russian in use


def test_c2_service_error_is_russian_under_russian():
    with translation.override("ru"), pytest.raises(InvalidInput) as err:
        validate_inn("7806210728")
    assert err.value.message == "ИНН 7806210728: неверное контрольное число."
    assert err.value.field == "inn"
    with pytest.raises(InvalidInput) as err:
        validate_inn("7806210728")
    assert err.value.message == "INN 7806210728 has a wrong check digit."


def test_role_stage_kind_and_timeline_labels_are_russian():
    with translation.override("ru"):
        assert str(Role.SALES_MANAGER.label) == "Менеджер по продажам"
        assert str(Role.ACCOUNTANT.label) == "Бухгалтер"
        assert str(StageKind.WON.label) == "Успешна"
        assert str(EventKind.STAGE_CHANGED.label) == "Изменена стадия"
    assert str(Role.SALES_MANAGER.label) == "Sales manager"


def _phone_matches(n: int) -> Matches:
    match = Match(
        record="contact",
        id=1,
        name="Гракун Екатерина",
        matched="phone",
        value="+78123259646",
        visible=True,
        responsible=None,
    )
    return Matches(phone=[match] * n)


@pytest.mark.parametrize(
    "n,text",
    [
        (1, "1 совпадение по телефону"),
        (2, "2 совпадения по телефону"),
        (5, "5 совпадений по телефону"),
        (11, "11 совпадений по телефону"),
        (21, "21 совпадение по телефону"),
        (24, "24 совпадения по телефону"),
    ],
)
def test_l3_duplicate_summary_uses_russian_plural_forms(n, text):
    with translation.override("ru"):
        assert _phone_matches(n).summary == text


def test_l3_duplicate_summary_in_english():
    assert _phone_matches(1).summary == "1 match by phone"
    assert _phone_matches(2).summary == "2 matches by phone"


@pytest.mark.django_db
def test_api_answers_in_the_language_of_accept_language(api_as, f):
    """LocaleMiddleware covers /api/ too: the error detail follows Accept-Language."""
    from dealbook.crm.models import Company

    api = api_as(f.make_user(Role.ACCOUNTANT))
    body = {"name": "ЭЛЕКСИС ООО", "inn": "7806210728"}
    ru = api.client.post(
        "/api/v1/companies", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru", **api.headers
    )
    assert ru.status_code == 400
    assert ru.json() == {
        "detail": "ИНН 7806210728: неверное контрольное число.",
        "field": "inn",
        "code": "invalid",
    }
    en = api.client.post(
        "/api/v1/companies", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **api.headers
    )
    assert en.json()["detail"] == "INN 7806210728 has a wrong check digit."
    assert not Company.objects.exists()


@pytest.mark.django_db
def test_api_unauthenticated_error_is_russian_too(client):
    res = client.get("/api/v1/companies", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    assert res.status_code == 401
    assert res.json()["detail"] == "Требуется вход в систему."


@pytest.mark.django_db
def test_api_validation_messages_of_pydantic_are_russian_too(api_as, f):
    api = api_as(f.make_user(Role.ACCOUNTANT))
    ru = api.client.get("/api/v1/deals", {"limit": "many"}, HTTP_ACCEPT_LANGUAGE="ru", **api.headers)
    assert ru.status_code == 400 and ru.json()["field"] == "limit"
    assert ru.json()["detail"] == "limit: Нужно целое число, а строку не удалось разобрать как целое число"
    en = api.client.get("/api/v1/deals", {"limit": "many"}, **api.headers)
    assert (
        en.json()["detail"] == "limit: Input should be a valid integer, unable to parse string as an integer"
    )
