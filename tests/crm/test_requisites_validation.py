"""C2: requisites validation (INN, KPP, OGRN, BIK, account keys, VAT id, IBAN, BIC) and L3 phone/e-mail
normalisation. Each refused value names its field."""

import pytest

from dealbook.core.errors import InvalidInput
from dealbook.crm import validators as v

SBER_BIK = "044525225"
SBER_CORR = "30101810400000000225"


def refused(func, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        func(*args, **kwargs)
    return exc.value


# ---------------------------------------------------------------- INN, KPP, OGRN


@pytest.mark.parametrize("value", ["7806210729", "7707083893", "500100732259", " 7806 210 729 "])
def test_c2_valid_inn_of_10_and_12_digits_is_accepted_and_compacted(value):
    assert v.validate_inn(value) == value.replace(" ", "")


@pytest.mark.parametrize(
    "value",
    ["7806210728", "7707083890", "500100732258", "500100732269", "78062107", "78062107290", "78O6210729"],
)
def test_c2_inn_with_wrong_checksum_or_length_is_refused_naming_the_field(value):
    err = refused(v.validate_inn, value)
    assert err.field == "inn"
    assert "INN" in err.message


def test_c2_inn_error_names_a_nested_field():
    assert refused(v.validate_inn, "7806210728", field="company.inn").field == "company.inn"


@pytest.mark.parametrize("value", ["773601001", "780601001", "7736AB001"])
def test_c2_kpp_format_accepts_digits_and_reason_letters(value):
    assert v.validate_kpp(value) == value


@pytest.mark.parametrize("value", ["77360100", "7736010011", "AB3601001", "7736010A1", ""])
def test_c2_kpp_with_wrong_format_is_refused(value):
    assert refused(v.validate_kpp, value).field == "kpp"


def test_c2_ogrn_13_digits_checksum():
    assert v.validate_ogrn("1027700132195") == "1027700132195"
    assert refused(v.validate_ogrn, "1027700132194").field == "ogrn"


def test_c2_ogrnip_15_digits_checksum_uses_the_last_digit_of_the_remainder():
    assert v.validate_ogrn("304500116000157") == "304500116000157"
    # first 14 digits mod 13 == 10: the control digit is 0 (stdnum alone refuses this one)
    assert v.validate_ogrn("304500116000180") == "304500116000180"
    assert refused(v.validate_ogrn, "304500116000158").field == "ogrn"
    assert refused(v.validate_ogrn, "12345").field == "ogrn"


# ---------------------------------------------------------------- BIK and account keys


def test_c2_sberbank_bik_and_correspondent_account_pass():
    """Public requisites of Sberbank (Moscow): BIK 044525225, corr. account 30101810400000000225."""
    assert v.validate_bik(SBER_BIK) == SBER_BIK
    assert v.validate_corr_account(SBER_CORR, SBER_BIK) == SBER_CORR


@pytest.mark.parametrize(
    "corr,bik",
    [("30101810145250000974", "044525974"), ("30101810200000000593", "044525593")],
)
def test_c2_other_public_correspondent_accounts_pass(corr, bik):
    assert v.validate_corr_account(corr, bik) == corr


def test_c2_correspondent_account_with_wrong_key_is_refused():
    err = refused(v.validate_corr_account, "30101810400000000226", SBER_BIK)
    assert err.field == "corr_account"
    err = refused(v.validate_corr_account, SBER_CORR, "044525974", field="bank_accounts.0.corr_account")
    assert err.field == "bank_accounts.0.corr_account"


def test_c2_settlement_account_key_against_bik():
    # computed by the Central Bank's 7-1-3 weights over "225" + account: only the 1 at the end fits
    assert v.validate_account("40702810938000000001", SBER_BIK) == "40702810938000000001"
    err = refused(v.validate_account, "40702810938000000000", SBER_BIK, field="bank_accounts.0.account")
    assert err.field == "bank_accounts.0.account"
    assert "control key" in err.message


def test_c2_account_key_helper_matches_the_weights_rule():
    digits = "225" + "40702810938000000001"
    weights = [7, 1, 3] * 8
    assert sum(int(d) * w % 10 for d, w in zip(digits, weights, strict=False)) % 10 == 0
    assert v.account_key_ok("225", "40702810938000000001")
    assert not v.account_key_ok("225", "40702810938000000002")


@pytest.mark.parametrize("bik", ["04452522", "0445252250", "144525225", "04452522X"])
def test_c2_bik_with_wrong_format_is_refused(bik):
    assert refused(v.validate_bik, bik).field == "bik"


def test_c2_bad_bik_given_with_an_account_names_the_bik_of_that_account():
    err = refused(v.validate_account, "40702810938000000001", "14452522", field="bank_accounts.1.account")
    assert err.field == "bank_accounts.1.bik"


def test_c2_account_must_have_20_digits():
    assert refused(v.validate_account, "4070281093800000000", SBER_BIK).field == "account"


# ---------------------------------------------------------------- EU VAT, IBAN, BIC


@pytest.mark.parametrize(
    "value,country,expected",
    [
        ("DE136695976", "", "DE136695976"),
        ("136695976", "DE", "DE136695976"),
        ("FR 40 303 265 045", "FR", "FR40303265045"),
        ("NL004495445B01", "NL", "NL004495445B01"),
    ],
)
def test_c2_valid_eu_vat_ids(value, country, expected):
    assert v.validate_vat_id(value, country) == expected


@pytest.mark.parametrize("value,country", [("DE136695975", ""), ("FR40303265046", "FR"), ("123", "")])
def test_c2_invalid_vat_id_is_refused(value, country):
    assert refused(v.validate_vat_id, value, country).field == "vat_id"


def test_c2_iban_checksum():
    assert v.validate_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert refused(v.validate_iban, "DE89370400440532013001").field == "iban"
    assert refused(v.validate_iban, "XX00").field == "iban"


def test_c2_bic_format():
    assert v.validate_bic("deutdeff") == "DEUTDEFF"
    assert v.validate_bic("DEUTDEFF500") == "DEUTDEFF500"
    assert refused(v.validate_bic, "DEUT1EFF").field == "bic"


# ---------------------------------------------------------------- phones and e-mails (L3)


@pytest.mark.parametrize(
    "raw", ["+7 921 848-53-83", "79218485383", "8 (921) 848-53-83", "+79218485383", "921 848 53 83"]
)
def test_l3_phone_is_normalised_to_e164(raw):
    assert v.normalize_phone(raw) == "+79218485383"


def test_l3_foreign_phone_with_country_code():
    assert v.normalize_phone("+49 30 901820") == "+4930901820"


@pytest.mark.parametrize("raw", ["abc", "123", "+7 000", "", "+7 921 848-53-83-99-11"])
def test_l3_unparsable_phone_is_refused_naming_the_field(raw):
    assert refused(v.normalize_phone, raw, field="phones.0").field == "phones.0"


def test_l3_email_is_trimmed_and_lower_cased():
    assert v.normalize_email("  Elecsys@List.RU ") == "elecsys@list.ru"


@pytest.mark.parametrize("raw", ["elecsys", "a@", "@list.ru", "", "a b@list.ru"])
def test_l3_invalid_email_is_refused(raw):
    assert refused(v.normalize_email, raw).field == "email"
