"""Credentials out of the SDKs' own logs.

At DEBUG level botocore logs each request with its headers, among them `Authorization` with the
access key id, and httpx-based SDKs can log headers too. Keys are per session, so a process-wide
log cannot know them: it redacts credential-shaped text instead, in every record of the vendor
SDKs' loggers, before any handler sees it.
"""

from __future__ import annotations

import logging
import re

LOGGERS = ("botocore", "boto3", "urllib3", "httpx", "httpx2", "httpcore", "openai", "anthropic")
"""The loggers that can carry a request's headers."""

_CREDENTIALS = re.compile(
    r"(?P<keep>Credential=|Signature=|(?:authorization|x-api-key|x-amz-security-token|api[_-]key)['\"]?\s*[:=]\s*(?:b?['\"])?"
    r"(?:Bearer |AWS4-HMAC-SHA256 )?)[^'\",}\s]+"
    r"|\b(?:sk-[A-Za-z0-9_\-]{12,}|(?:AKIA|ASIA)[0-9A-Z]{12,})", re.I)


def redact(text: str) -> str:
    """`text` with every credential-shaped piece replaced by `[redacted]`."""
    return _CREDENTIALS.sub(lambda m: f"{m.group('keep') or ''}[redacted]", text)


_installed = False


def redact_sdk_logs() -> None:
    """Redact the vendor SDKs' log records as they are made (once; calling again changes nothing).

    A logger's filter does not apply to its children's records (`botocore.endpoint`), so this wraps
    the record factory: a record is only made once a logger has decided to emit it."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()

    def redacting(name: str, *args: object, **kwargs: object) -> logging.LogRecord:
        record = make(name, *args, **kwargs)
        if name.split(".", 1)[0] in LOGGERS:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(redacting)
