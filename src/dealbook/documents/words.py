"""Numbers as printed on documents: amounts in words (I8), money, quantities, rates and dates as strings.

Print forms print strings only; every number on a document is formatted here, in one place, from a
Decimal rounded by core.money. Russian amounts in words are declined by our own code (gender of
тысяча and копейка, three plural forms) because the standard Russian wording keeps the minor units
in digits ("Четыре тысячи рублей 00 копеек"), which no library produces; other languages take their
cardinal numbers from num2words.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from num2words import num2words

from dealbook.core.money import minor_unit, round_money

# --- Russian cardinal numbers -------------------------------------------------------------------

_RU_UNITS = {
    "m": ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"),
    "f": ("", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"),
}
_RU_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_RU_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_RU_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)
# Powers of a thousand: forms for 1 / 2–4 / 5+ and the grammatical gender of the word.
_RU_SCALES = (
    (("", "", ""), "m"),
    (("тысяча", "тысячи", "тысяч"), "f"),
    (("миллион", "миллиона", "миллионов"), "m"),
    (("миллиард", "миллиарда", "миллиардов"), "m"),
    (("триллион", "триллиона", "триллионов"), "m"),
    (("квадриллион", "квадриллиона", "квадриллионов"), "m"),
)


def ru_plural(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian noun form for a count: 1 рубль, 2 рубля, 5 рублей; 11–14 always take the third."""
    n = abs(n)
    if 11 <= n % 100 <= 14:
        return forms[2]
    if n % 10 == 1:
        return forms[0]
    if 2 <= n % 10 <= 4:
        return forms[1]
    return forms[2]


def _ru_triad(n: int, gender: str) -> list[str]:
    words = [_RU_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(_RU_TEENS[rest - 10])
    else:
        words += [_RU_TENS[rest // 10], _RU_UNITS[gender][rest % 10]]
    return [w for w in words if w]


def ru_cardinal(n: int, gender: str = "m") -> str:
    """A non-negative integer in Russian words, the last triad agreeing with `gender` ("m" or "f")."""
    if n < 0:
        raise ValueError("ru_cardinal takes a non-negative integer")
    if n == 0:
        return "ноль"
    triads = []
    rest = n
    while rest:
        triads.append(rest % 1000)
        rest //= 1000
    if len(triads) > len(_RU_SCALES):
        raise ValueError("number too large to write in words")
    words: list[str] = []
    for power in range(len(triads) - 1, -1, -1):
        triad = triads[power]
        if not triad:
            continue
        forms, scale_gender = _RU_SCALES[power]
        words += _ru_triad(triad, gender if power == 0 else scale_gender)
        if power:
            words.append(ru_plural(triad, forms))
    return " ".join(words)


# --- currency names -----------------------------------------------------------------------------

# Russian: (major forms, major gender, minor forms, minor gender).
_RU_CURRENCIES = {
    "RUB": (("рубль", "рубля", "рублей"), "m", ("копейка", "копейки", "копеек"), "f"),
    "USD": (("доллар США", "доллара США", "долларов США"), "m", ("цент", "цента", "центов"), "m"),
    "EUR": (("евро", "евро", "евро"), "m", ("цент", "цента", "центов"), "m"),
    "GBP": (
        ("фунт стерлингов", "фунта стерлингов", "фунтов стерлингов"),
        "m",
        ("пенни", "пенни", "пенни"),
        "m",
    ),
    "CNY": (("юань", "юаня", "юаней"), "m", ("фэнь", "фэня", "фэней"), "m"),
    "KZT": (("тенге", "тенге", "тенге"), "m", ("тиын", "тиына", "тиынов"), "m"),
    "BYN": (
        ("белорусский рубль", "белорусских рубля", "белорусских рублей"),
        "m",
        ("копейка", "копейки", "копеек"),
        "f",
    ),
    "MDL": (("молдавский лей", "молдавских лея", "молдавских леев"), "m", ("бан", "бана", "банов"), "m"),
    "RON": (("румынский лей", "румынских лея", "румынских леев"), "m", ("бан", "бана", "банов"), "m"),
    "JPY": (("иена", "иены", "иен"), "f", ("", "", ""), "m"),
}

# English: (major singular, major plural, minor singular, minor plural).
_EN_CURRENCIES = {
    "RUB": ("rouble", "roubles", "kopeck", "kopecks"),
    "EUR": ("euro", "euro", "cent", "cents"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "CNY": ("yuan", "yuan", "fen", "fen"),
    "KZT": ("tenge", "tenge", "tiyn", "tiyn"),
    "BYN": ("Belarusian rouble", "Belarusian roubles", "kopeck", "kopecks"),
    "MDL": ("Moldovan leu", "Moldovan lei", "ban", "bani"),
    "RON": ("Romanian leu", "Romanian lei", "ban", "bani"),
    "PLN": ("zloty", "zlotys", "grosz", "groszy"),
    "CZK": ("Czech koruna", "Czech korunas", "haler", "halers"),
    "JPY": ("yen", "yen", "", ""),
}

# Short currency labels printed after amounts ("на сумму 4 000,00 руб.").
_CURRENCY_LABELS = {
    "ru": {"RUB": "руб.", "USD": "долл. США", "EUR": "евро", "KZT": "тенге", "BYN": "бел. руб."},
}


def base_language(language: str) -> str:
    """ "ru-RU" → "ru"; documents choose wording by the primary language subtag only."""
    return (language or "en").replace("_", "-").split("-")[0].lower()


def _split(amount: Decimal, currency: str) -> tuple[bool, int, int, int]:
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be Decimal, got {type(amount).__name__}")
    digits = minor_unit(currency)
    rounded = round_money(amount, currency)
    negative = rounded < 0
    rounded = abs(rounded)
    major = int(rounded)
    minor = int((rounded - major).scaleb(digits))
    return negative, major, minor, digits


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def amount_in_words(amount: Decimal, currency: str, language: str, *, minor_in_words: bool = False) -> str:
    """The amount as printed under an invoice's totals (I8), e.g. "Четыре тысячи рублей 00 копеек".

    The major units are written in words in the document's language and the minor units in two
    digits, as Russian accounting documents do; `minor_in_words=True` writes them in words too
    ("... две копейки"). Unknown currencies keep their ISO code after the words.
    """
    currency = (currency or "").upper()
    lang = base_language(language)
    negative, major, minor, digits = _split(amount, currency)
    if lang == "ru":
        text = _ru_amount(major, minor, digits, currency, minor_in_words)
        prefix = "минус " if negative else ""
    else:
        text = _other_amount(major, minor, digits, currency, lang, minor_in_words)
        prefix = "minus " if negative and lang == "en" else ("- " if negative else "")
    return _capitalise(prefix + text)


def _ru_amount(major: int, minor: int, digits: int, currency: str, minor_in_words: bool) -> str:
    spec = _RU_CURRENCIES.get(currency)
    if spec is None:
        text = f"{ru_cardinal(major)} {currency}"
        if digits:
            text += f" {minor:0{digits}d}"
        return text
    major_forms, major_gender, minor_forms, minor_gender = spec
    text = f"{ru_cardinal(major, major_gender)} {ru_plural(major, major_forms)}"
    if digits:
        minor_text = ru_cardinal(minor, minor_gender) if minor_in_words else f"{minor:0{digits}d}"
        text += f" {minor_text} {ru_plural(minor, minor_forms)}"
    return text


def _cardinal(n: int, lang: str) -> str:
    try:
        return num2words(n, lang=lang)
    except NotImplementedError:
        return num2words(n, lang="en")


def _other_amount(major: int, minor: int, digits: int, currency: str, lang: str, minor_in_words: bool) -> str:
    names = _EN_CURRENCIES.get(currency) if lang == "en" else None
    major_words = _cardinal(major, lang)
    minor_text = _cardinal(minor, lang) if minor_in_words else f"{minor:0{digits}d}"
    if names is None:
        text = f"{major_words} {currency}"
        return f"{text} {minor_text}" if digits else text
    text = f"{major_words} {names[0] if major == 1 else names[1]}"
    if digits:
        text += f" and {minor_text} {names[2] if minor == 1 else names[3]}"
    return text


# --- numbers as strings -------------------------------------------------------------------------

# (group separator, decimal separator). Russian and French group with a no-break space (CLDR), so
# an amount never wraps inside a table cell.
_SEPARATORS = {
    "ru": ("\u00a0", ","),
    "uk": ("\u00a0", ","),
    "fr": ("\u00a0", ","),
    "de": (".", ","),
    "ro": (".", ","),
    "en": (",", "."),
}


def _format_number(value: Decimal, places: int, language: str) -> str:
    group, point = _SEPARATORS.get(base_language(language), _SEPARATORS["en"])
    text = f"{abs(value):,.{places}f}"
    text = text.replace(",", "\x00").replace(".", point).replace("\x00", group)
    return ("-" if value < 0 else "") + text


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """An amount rounded to the currency's minor unit: "4 000,00" (ru, no-break space) or "4,000.00" (en)."""
    rounded = round_money(amount, currency)
    if rounded == 0:
        rounded = abs(rounded)  # never print "-0,00"
    return _format_number(rounded, minor_unit(currency), language)


def format_quantity(quantity: Decimal, language: str) -> str:
    """A quantity without trailing zeros: 3, 2,5 (ru), 1,000.125 (en)."""
    if not isinstance(quantity, Decimal):
        raise TypeError(f"quantity must be Decimal, got {type(quantity).__name__}")
    normalized = quantity.normalize()
    exponent = normalized.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return _format_number(normalized, places, language)


def format_percent(rate: Decimal, language: str) -> str:
    """A tax rate in percent as printed: "18%", "7,5%" (ru), "7.5%" (en)."""
    return format_quantity(rate, language) + "%"


def currency_label(currency: str, language: str) -> str:
    """The short currency name printed after totals: "руб." in Russian, the ISO code elsewhere."""
    currency = (currency or "").upper()
    return _CURRENCY_LABELS.get(base_language(language), {}).get(currency, currency)


_RU_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(day: datetime.date, language: str) -> str:
    """A document date: "12 марта 2018 г." (ru), "12 March 2018" (en), "12.03.2018" otherwise."""
    lang = base_language(language)
    if lang == "ru":
        return f"{day.day} {_RU_MONTHS[day.month - 1]} {day.year} г."
    if lang == "en":
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return day.strftime("%d.%m.%Y")
