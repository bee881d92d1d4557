"""Keeps API keys out of messages and log records, in every form a server or a formatter may give them.

A key comes back quoted by servers and proxies (an error page, an envelope's message, a header), and
on its way it may have been escaped: `repr` (`\\n`, `\\x0a`), JSON (`\\u00e9`, `\\/`), a URL (`%2F`,
`+`), HTML (`&#47;`), or escaped twice. `Redactor` matches the key with each character in any of
those forms, so one rule covers them all. Strings shorter than `MIN_SECRET_LENGTH` are not treated as
secrets: replacing a one-letter "key" would garble every message and hide nothing.

At DEBUG httpcore logs every response's headers verbatim, and httpx logs the status line at INFO, so a
server or proxy that echoes the key back would put it in a log line. The client registers its key here;
a filter on those loggers rewrites any record that contains one. Logger filters do not apply to child
loggers, hence the full list of httpcore's.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "Redactor", "scrub_logs_of"]

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8

TRANSPORT_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)

_BACKSLASHES = r"\\+"  # an escape, or an escape escaped again
_NAMED_ESCAPES = {"\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f", "\v": "v", "\0": "0"}
_BACKSLASHED = frozenset("\"'/\\")  # characters JSON or repr write as backslash + the character


def _hex(value: int, width: int) -> str:
    return f"(?i:0*{value:0{width}x})"


def _char_forms(char: str) -> str:
    """A pattern for one character of a secret: itself or any of its escaped spellings."""
    code = ord(char)
    utf8 = char.encode("utf-8", "surrogatepass")
    forms = [re.escape(char)]
    forms.append("".join(f"%(?:25)*{_hex(byte, 2)}" for byte in utf8))  # URL, maybe encoded twice
    forms.append(f"&#(?:0*{code}|[xX]{_hex(code, 1)});")  # HTML numeric reference
    forms.append("".join(f"{_BACKSLASHES}x{_hex(byte, 2)}" for byte in utf8))  # bytes repr
    if code < 0x100:
        forms.append(f"{_BACKSLASHES}x{_hex(code, 2)}")  # str repr
    if code < 0x10000:
        forms.append(f"{_BACKSLASHES}u{_hex(code, 4)}")  # JSON, str repr
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(f"{_BACKSLASHES}u{_hex(high, 4)}{_BACKSLASHES}u{_hex(low, 4)}")  # JSON surrogates
        forms.append(f"{_BACKSLASHES}U{_hex(code, 8)}")
    if char in _NAMED_ESCAPES:
        forms.append(_BACKSLASHES + _NAMED_ESCAPES[char])
    if char in _BACKSLASHED:
        forms.append(_BACKSLASHES + re.escape(char))
    if char == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


class Redactor:
    """Replaces each secret, in any escaped form, with `[redacted]`; secrets too short to be keys are kept."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = frozenset(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
        longest_first = sorted(self.secrets, key=len, reverse=True)
        patterns = ["".join(_char_forms(c) for c in secret) for secret in longest_first]
        self._pattern = re.compile("|".join(patterns)) if patterns else None

    def __call__(self, text: str) -> str:
        """`text` with every occurrence of a secret replaced."""
        return text if self._pattern is None else self._pattern.sub(REDACTED, text)


class _KeyScrubber(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._redact = Redactor()

    def add(self, key: str) -> bool:
        """Register `key`; True the first time any key is registered."""
        with self._lock:
            first = not self._redact.secrets
            self._redact = Redactor(self._redact.secrets | {key})
            return first and bool(self._redact.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


_SCRUBBER = _KeyScrubber()


def scrub_logs_of(key: str) -> None:
    """Keep `key` out of the transport's log records for the rest of the process."""
    if _SCRUBBER.add(key):
        for name in TRANSPORT_LOGGERS:
            logging.getLogger(name).addFilter(_SCRUBBER)
