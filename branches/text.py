"""Text at the edge: what a person types or pastes, and what an export writes.

Every text that enters (forms through the services, imports, the command line) is normalised by
:func:`clean_text`: Unicode NFC, no control characters (newline and tab are kept in long text),
no bidirectional overrides (which can make ``txt.exe`` look like ``exe.txt``). What an export
writes goes through :func:`xml_safe` as well, so a record stored before these rules existed can
still not break a spreadsheet or a Word file for everyone else (XML 1.0 cannot hold most control
characters: openpyxl raises IllegalCharacterError, python-docx refuses the string).
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates (LRE … RLO, LRI … PDI).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n]+")
# What XML 1.0 cannot hold at all: controls other than tab/newline/CR, lone surrogates, U+FFFE/FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` as it should be stored: NFC, no controls, no bidi overrides; a one-line field
    gets its tabs and line breaks as single spaces."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI.sub("", _CONTROLS.sub("", text))
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    return text


def xml_safe(value: str) -> str:
    """``value`` without the characters an xlsx or docx file cannot contain."""
    return _NOT_XML.sub("", value)
