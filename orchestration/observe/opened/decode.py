"""A file's bytes to JSON: gunzipped within the limit, one JSON value or JSON lines, nesting depth checked."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from typing import Any

from .common import MAX_BYTES, MAX_DEPTH, WHAT_OPENS, TraceFileError


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"



def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            text = unpacked.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise TraceFileError(f"This file starts like gzip but does not unpack ({error}).") from None
    if len(text) > MAX_BYTES:
        raise TraceFileError(f"This gzip file unpacks to more than {_megabytes(MAX_BYTES)}; "
                             "a trace can have up to that.")
    return text



def _reject_constant(constant: str) -> Any:
    raise TraceFileError(f"The file has {constant}, which is not a JSON number.")



_LINES = object()
"""What `_loads` returns for text that is several JSON values, one after another (JSON lines)."""



def _loads(text: str, where: str, lines: bool = False) -> Any:
    """One JSON value, checked for depth; with `lines`, `_LINES` when the text holds several."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except TraceFileError:
        raise
    except json.JSONDecodeError as error:
        if lines and error.msg == "Extra data":
            return _LINES
        raise TraceFileError(f"{where} is not JSON: {error.msg} (line {error.lineno}, column {error.colno}). "
                             + WHAT_OPENS) from None
    except RecursionError:
        raise TraceFileError(f"{where} is nested too deep (more than {MAX_DEPTH} levels).") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise TraceFileError(f"{where} is not JSON this page can read: {error}.") from None
    _check_depth(value, where)
    return value



def _check_depth(value: Any, where: str) -> None:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TraceFileError(f"{where} is nested too deep (more than {MAX_DEPTH} levels).")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))



def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TraceFileError("The file is not UTF-8 text. " + WHAT_OPENS) from None



def _one_document(data: bytes) -> Any:
    return _loads(_text(data), "The unpacked file")



def _documents(data: bytes) -> list[Any]:
    """The file as one JSON value, or as JSON lines (one value a line)."""
    text = _text(data)
    whole = _loads(text, "The file", lines=True)
    if whole is not _LINES:
        return [whole]
    return [_loads(line, f"Line {n}") for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
