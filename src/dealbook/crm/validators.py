"""Requisites and contact-detail validation (C2, L3): every value is cleaned or refused here.

Each function returns the cleaned value or raises core.errors.InvalidInput naming the field, so a
service can validate everything first and write nothing when one value is wrong. INN, OGRN, EU VAT
ids, IBAN and BIC use python-stdnum; KPP, BIK and the Russian bank-account control key are ours
(stdnum lacks them); phones are normalised to E.164 with phonenumbers.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum import iban as std_iban
from stdnum import vatin as std_vatin
from stdnum.eu import vat as std_eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as std_inn

try:  # stdnum >= 1.18 ships a BIC (ISO 9362) module
    from stdnum import bic as std_bic
except ImportError:  # pragma: no cover - older stdnum
    std_bic = None

_SPACES = re.compile(r"[\s\-.]")
_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
# weights of the Central Bank's account control key (Положение ЦБ РФ № 579-П / 385-П, appendix)
_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]


def _invalid(field: str, message: str):
    from dealbook.core.errors import InvalidInput

    return InvalidInput(message, field=field)


def _digits_only(value, field: str, label: str) -> str:
    value = _SPACES.sub("", str(value or ""))
    if not value.isdigit():
        raise _invalid(field, _("%(label)s must contain digits only.") % {"label": label})
    return value


# ---------------------------------------------------------------- phones and e-mails (L3)


def normalize_phone(value: str, *, region: str = "RU", field: str = "phone") -> str:
    """A phone number in E.164 (+79218485383); the seed's "79218485383" and "8 921 …" are Russian."""
    raw = str(value or "").strip()
    if not raw:
        raise _invalid(field, _("Phone number is empty."))
    text = raw
    digits = re.sub(r"\D", "", raw)
    # Russian habits: 11 digits starting with 7 or 8 typed without "+" (the seed writes 79218485383)
    if not raw.startswith("+") and region == "RU" and len(digits) == 11 and digits[0] in "78":
        text = "+7" + digits[1:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _invalid(field, _("'%(value)s' is not a phone number.") % {"value": raw}) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid(field, _("'%(value)s' is not a valid phone number.") % {"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str, *, field: str = "email") -> str:
    """An e-mail address trimmed and lower-cased, so duplicates match case-insensitively (L3)."""
    email = str(value or "").strip().lower()
    if not email:
        raise _invalid(field, _("E-mail address is empty."))
    try:
        validate_email(email)
    except DjangoValidationError:
        raise _invalid(field, _("'%(value)s' is not a valid e-mail address.") % {"value": value}) from None
    return email


def phone_digits(value: str) -> str:
    """Digits of a phone fragment as typed in a search box ("848-53-83" -> "8485383")."""
    return re.sub(r"\D", "", str(value or ""))


# ---------------------------------------------------------------- Russian requisites (C2)


def validate_inn(value, field: str = "inn") -> str:
    """INN of an organisation (10 digits) or a person (12 digits), with its check digits."""
    number = _digits_only(value, field, _("INN"))
    if len(number) not in (10, 12):
        raise _invalid(field, _("INN must have 10 or 12 digits, not %(n)d.") % {"n": len(number)})
    try:
        return std_inn.validate(number)
    except StdnumError:
        raise _invalid(field, _("INN %(value)s has a wrong check digit.") % {"value": number}) from None


def validate_kpp(value, field: str = "kpp") -> str:
    """KPP: 4 digits of the tax office, 2 reason characters (digits or A–Z since 2013), 3 digits."""
    number = _SPACES.sub("", str(value or "")).upper()
    if not _KPP.match(number):
        raise _invalid(field, _("KPP must have 9 characters: 4 digits, 2 digits or letters, 3 digits."))
    return number


def validate_ogrn(value, field: str = "ogrn") -> str:
    """OGRN (13 digits, legal entity) or OGRNIP (15 digits, sole trader) with its check digit.

    The control digit is the last digit of (first 12 digits mod 11) for OGRN and of
    (first 14 digits mod 13) for OGRNIP — computed here because stdnum compares the whole
    remainder, which refuses valid OGRNIPs whose remainder is 10, 11 or 12.
    """
    number = _digits_only(value, field, _("OGRN"))
    if len(number) == 13:
        expected = int(number[:12]) % 11 % 10
        if number[0] == "0":
            raise _invalid(field, _("OGRN cannot start with 0."))
    elif len(number) == 15:
        expected = int(number[:14]) % 13 % 10
        if number[0] not in "34":
            raise _invalid(field, _("OGRNIP must start with 3 or 4."))
    else:
        raise _invalid(field, _("OGRN must have 13 digits (OGRNIP: 15), not %(n)d.") % {"n": len(number)})
    if int(number[-1]) != expected:
        raise _invalid(field, _("OGRN %(value)s has a wrong check digit.") % {"value": number})
    return number


def validate_bik(value, field: str = "bik") -> str:
    """BIK: the 9-digit Russian bank identifier (country code 04, or 0x for the Treasury)."""
    number = _digits_only(value, field, _("BIK"))
    if len(number) != 9:
        raise _invalid(field, _("BIK must have 9 digits, not %(n)d.") % {"n": len(number)})
    if number[0] != "0":
        raise _invalid(field, _("BIK %(value)s must start with 0.") % {"value": number})
    return number


def account_key_ok(prefix3: str, account: str) -> bool:
    """The Central Bank's control key over 3 BIK-derived digits + the 20-digit account."""
    digits = prefix3 + account
    return sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def _rkc_bik(bik: str) -> bool:
    # accounts held at the Bank of Russia's own units (BIK ending in 000, 001, 002) are keyed like
    # correspondent accounts: "0" + BIK digits 5–6
    return bik[-3:] in ("000", "001", "002")


def validate_account(account, bik, field: str = "account") -> str:
    """A 20-digit settlement account, keyed with the last 3 digits of the bank's BIK."""
    number = _digits_only(account, field, _("Account"))
    if len(number) != 20:
        raise _invalid(field, _("Account must have 20 digits, not %(n)d.") % {"n": len(number)})
    bik = validate_bik(bik, field=field.rsplit(".", 1)[0] + ".bik" if "." in field else "bik")
    ok = account_key_ok(bik[-3:], number) or (_rkc_bik(bik) and account_key_ok("0" + bik[4:6], number))
    if not ok:
        raise _invalid(
            field,
            _("Account %(value)s does not match BIK %(bik)s (wrong control key).")
            % {"value": number, "bik": bik},
        )
    return number


def validate_corr_account(corr, bik, field: str = "corr_account") -> str:
    """A bank's 20-digit correspondent account (301…), keyed with "0" + BIK digits 5–6."""
    number = _digits_only(corr, field, _("Correspondent account"))
    if len(number) != 20:
        raise _invalid(field, _("Correspondent account must have 20 digits, not %(n)d.") % {"n": len(number)})
    bik = validate_bik(bik, field=field.rsplit(".", 1)[0] + ".bik" if "." in field else "bik")
    if not number.startswith("301"):
        raise _invalid(field, _("Correspondent account must start with 301."))
    if not account_key_ok("0" + bik[4:6], number):
        raise _invalid(
            field,
            _("Correspondent account %(value)s does not match BIK %(bik)s (wrong control key).")
            % {"value": number, "bik": bik},
        )
    if bik[-3:] not in ("000", "001", "002") and number[-3:] != bik[-3:]:
        raise _invalid(
            field,
            _("Correspondent account %(value)s must end with the last 3 digits of BIK %(bik)s.")
            % {"value": number, "bik": bik},
        )
    return number


# ---------------------------------------------------------------- EU and international (C2)


def validate_vat_id(value, country: str = "", field: str = "vat_id") -> str:
    """A VAT id with its country prefix (DE136695976); the company's country is used when missing."""
    number = _SPACES.sub("", str(value or "")).upper()
    if not number:
        raise _invalid(field, _("VAT id is empty."))
    if not number[:2].isalpha():
        cc = (country or "").upper()
        if not cc:
            raise _invalid(field, _("VAT id %(value)s needs a country prefix.") % {"value": number})
        number = ("EL" if cc == "GR" else cc) + number
    try:
        if number[:2] in std_eu_vat.MEMBER_STATES or number[:2] in ("EL", "XI"):
            return std_eu_vat.validate(number)
        return std_vatin.validate(number)
    except StdnumError:
        raise _invalid(field, _("VAT id %(value)s is not valid.") % {"value": number}) from None


def validate_iban(value, field: str = "iban") -> str:
    """An IBAN with its mod-97 check and country format, returned compact (no spaces)."""
    number = _SPACES.sub("", str(value or "")).upper()
    try:
        return std_iban.validate(number)
    except StdnumError:
        raise _invalid(field, _("IBAN %(value)s is not valid.") % {"value": number}) from None


def validate_bic(value, field: str = "bic") -> str:
    """A BIC/SWIFT code: 8 or 11 characters (bank, country, location, branch)."""
    code = _SPACES.sub("", str(value or "")).upper()
    if std_bic is not None:
        try:
            return std_bic.validate(code)
        except StdnumError:
            raise _invalid(field, _("BIC %(value)s is not valid.") % {"value": code}) from None
    if not _BIC.match(code):
        raise _invalid(field, _("BIC %(value)s is not valid.") % {"value": code})
    return code


def validate_country(value, field: str = "country") -> str:
    code = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise _invalid(field, _("Country must be a 2-letter ISO code, e.g. RU or DE."))
    return code


def validate_currency(value, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise _invalid(field, _("Currency must be a 3-letter ISO code, e.g. RUB or EUR."))
    return code
