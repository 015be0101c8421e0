"""Characters that must not reach a terminal as they are: what user text may hold when it is stored, and how stored
text is shown by the command line.

A terminal obeys control characters: ESC (``\\x1b``) starts sequences that clear the screen, move the cursor or
retitle the window; a carriage return or backspace overwrites what was printed; the 8-bit C1 codes (``\\x9b`` is
an ESC ``[``) do the same on some terminals. Unicode's bidirectional overrides reorder what is displayed, so a line
reads differently from what it holds. None of them belongs in a name, a question or a commentary, so they are
refused when typed; and anything already stored (or arriving from an imported file) is shown escaped.
"""

from __future__ import annotations

import unicodedata

# Bidirectional embeddings, overrides and isolates: they reorder displayed text ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_ALLOWED = frozenset("\n\t")  # a commentary or a question may have lines and tabs


def is_control(ch: str) -> bool:
    """Whether a terminal (or a display of the text) could act on this character instead of showing it: C0 and C1
    control codes, DEL, and the bidirectional controls."""
    return unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS


def first_control(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The position and character of the first control character in `text` (newlines and tabs are allowed when
    `multiline`), or None when there is none."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    for i, ch in enumerate(text):
        if ch not in allowed and is_control(ch):
            return i, ch
    return None


def control_problem(text: str, field: str, *, multiline: bool = False) -> str | None:
    """Why `text` cannot be stored as the `field` ('the question contains a control character (U+001B) at
    character 5: ...'), or None when it can. The caller raises its own error with this message."""
    found = first_control(text, multiline=multiline)
    if found is None:
        return None
    i, ch = found
    return (
        f"the {field} contains a control character (U+{ord(ch):04X}) at character {i + 1}: "
        "type it again without it (pasted text can carry them)"
    )


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def terminal_text(value: object) -> str:
    """`value` as text a terminal shows and never obeys: every control character (newlines too, so a stored
    text cannot forge a line of output) written as a visible escape such as ``\\x1b``, ``\\n`` or ``\\u202e``."""
    text = value if isinstance(value, str) else str(value)
    if not any(is_control(ch) for ch in text):  # the common case: nothing to do
        return text
    out = []
    for ch in text:
        if not is_control(ch):
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)
