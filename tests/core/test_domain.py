import pytest

from console import domain
from console.errors import InputError


@pytest.mark.parametrize("text, expected", [("INC-3", 3), ("inc-12", 12), ("7", 7), (" INC-40 ", 40)])
def test_refs(text, expected):
    assert domain.parse_ref(text) == expected


@pytest.mark.parametrize("text", ["INC-", "INC-0", "INC-x", "ABC-1", "", "-1"])
def test_bad_refs(text):
    with pytest.raises(InputError, match="bad incident reference"):
        domain.parse_ref(text)


def test_severity_accepts_digits_and_sev_prefix():
    assert domain.parse_severity("1") == 1
    assert domain.parse_severity("SEV-3") == 3
    for bad in ("0", "6", "high", "", "²", "١"):
        with pytest.raises(InputError, match="expected 1 to 5"):
            domain.parse_severity(bad)


def test_role_aliases_come_from_the_process():
    from console.vocabulary import Vocabulary

    words = Vocabulary.default()
    assert words.role("cl").id == "customer_liaison"
    assert words.role("IL").id == "internal_liaison"
    assert words.role("customer-liaison").id == "customer_liaison"
    with pytest.raises(InputError, match="bad role"):
        words.role("boss")


def test_text_is_cleaned_of_control_characters():
    assert domain.clean_text("a\x00b\x07c\n d", "text", 100) == "abc d"
    assert domain.clean_text("a\nb", "text", 100, multiline=True) == "a\nb"
    with pytest.raises(InputError, match="empty"):
        domain.clean_text(" \x00 ", "text", 100)
    with pytest.raises(InputError, match="too long"):
        domain.clean_text("x" * 11, "text", 10)
