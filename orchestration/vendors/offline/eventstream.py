"""Encoder for the AWS event stream binary framing (`application/vnd.amazon.eventstream`).

Bedrock's streaming operations (ConverseStream, InvokeModelWithResponseStream, InvokeAgent, ...)
answer with a sequence of binary messages that botocore decodes with `botocore.eventstream`.
Each message is laid out as::

    prelude   total length (uint32) | headers length (uint32) | CRC32 of those 8 bytes (uint32)
    headers   repeated: name length (uint8) | name | value type (uint8) | value length (uint16) | value
    payload   raw bytes (JSON for Bedrock)
    trailer   CRC32 of everything before it (uint32)

All integers are big-endian. Headers here are strings (type 7) or byte arrays (type 6), which is
all the Bedrock services use. botocore decides what a message is from three headers:
`:message-type` (`event`, `exception` or `error`), then `:event-type` / `:exception-type`, which
must name a member of the operation's event stream shape (e.g. `contentBlockDelta`,
`validationException`), or `:error-code` / `:error-message` for untyped errors.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping

_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")
_PRELUDE_LENGTH = _PRELUDE.size + _CRC.size
_BYTES_TYPE = 6
_STRING_TYPE = 7

HeaderValue = str | bytes


def encode_message(headers: Mapping[str, HeaderValue], payload: bytes = b"") -> bytes:
    """One framed message with the given headers (in order) and payload."""
    header_bytes = b"".join(_encode_header(name, value) for name, value in headers.items())
    total_length = _PRELUDE_LENGTH + len(header_bytes) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total_length, len(header_bytes))
    prelude += _CRC.pack(zlib.crc32(prelude))
    message = prelude + header_bytes + payload
    return message + _CRC.pack(zlib.crc32(message))


def encode_event(
    event_type: str,
    payload: bytes,
    *,
    message_type: str = "event",
    content_type: str = "application/json",
) -> bytes:
    """An event (or, with `message_type="exception"`, a modeled exception) named `event_type`."""
    type_header = ":exception-type" if message_type == "exception" else ":event-type"
    return encode_message(
        {type_header: event_type, ":content-type": content_type, ":message-type": message_type},
        payload,
    )


def encode_json_event(event_type: str, body: object) -> bytes:
    """An event whose payload is `body` as JSON, e.g. `encode_json_event("messageStop", {...})`."""
    return encode_event(event_type, json.dumps(body).encode())


def encode_exception(exception_type: str, message: str) -> bytes:
    """A modeled exception, named as the stream shape's member (e.g. `validationException`).

    botocore raises it from the event iterator as `EventStreamError` with that code and message.
    """
    payload = json.dumps({"message": message}).encode()
    return encode_event(exception_type, payload, message_type="exception")


def encode_error(code: str, message: str) -> bytes:
    """An unmodeled error: code and message travel in headers, with no payload."""
    return encode_message({":message-type": "error", ":error-code": code, ":error-message": message})


def _encode_header(name: str, value: HeaderValue) -> bytes:
    raw_name = name.encode()
    if isinstance(value, str):
        header_type, raw_value = _STRING_TYPE, value.encode()
    else:
        header_type, raw_value = _BYTES_TYPE, bytes(value)
    return struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">BH", header_type, len(raw_value)) + raw_value
