"""Offsets of the core's strings against a Qt document's positions (ui.text_positions)."""

import pytest
from PySide6.QtGui import QTextCursor, QTextDocument

from ui.text_positions import Positions


@pytest.mark.parametrize("text", [
    "plain ascii text",
    "🔥 before, 🔥🔥 between, and after 🔥",
    "שלום 🔥 مرحبا — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✅ 漢字",
    "",
])
def test_every_character_is_found_where_the_document_has_it(text):
    document = QTextDocument(text)
    places = Positions(text)
    for offset, character in enumerate(text):
        cursor = places.select(QTextCursor(document), offset, offset + 1)
        assert cursor.selectedText() == character
        assert places.in_text(places.in_document(offset)) == offset
    end = places.in_document(len(text))
    assert end == document.characterCount() - 1  # the document's own last position
    assert places.in_text(end) == len(text)


def test_a_position_inside_an_emoji_is_the_character_after_it():
    places = Positions("a🔥b")
    assert [places.in_document(i) for i in range(4)] == [0, 1, 3, 4]
    assert [places.in_text(p) for p in range(5)] == [0, 1, 2, 2, 3]
