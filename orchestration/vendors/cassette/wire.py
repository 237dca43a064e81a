"""The HTTP edge's readers, one per protocol: which model API a request went to, and the model's reply in
each API's answer (OpenAI chat completions, OpenAI responses, Anthropic messages) as a `ModelReply`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..offline.protocol import ModelReply, ToolCall, Usage


def _api(request: Any) -> str:
    path = request.url.path
    if request.method != "POST":
        return ""
    return ("openai.chat_completions" if path.endswith("/chat/completions") else "openai.responses"
            if path.endswith("/responses") else "anthropic.messages" if path.endswith("/messages") else "")



def _chat_reply(answer: Mapping[str, Any]) -> ModelReply:
    message, usage = answer["choices"][0]["message"], answer.get("usage") or {}
    calls = tuple(ToolCall(c["function"]["name"], c["function"].get("arguments") or "{}", c.get("id", ""))
                  for c in message.get("tool_calls") or [])
    return ModelReply(message.get("content") or "", calls,
                      Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)))



def _responses_reply(answer: Mapping[str, Any]) -> ModelReply:
    texts, calls = [], []
    for item in answer.get("output") or []:
        if item.get("type") == "message":
            texts += [part.get("text", "") for part in item.get("content") or [] if part.get("type") == "output_text"]
        elif item.get("type") == "function_call":
            calls.append(ToolCall(item["name"], item.get("arguments") or "{}", item.get("call_id", "")))
    usage = answer.get("usage") or {}
    return ModelReply("".join(texts), tuple(calls), Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)))



def _messages_reply(answer: Mapping[str, Any]) -> ModelReply:
    texts, calls = [], []
    for block in answer.get("content") or []:
        if block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            calls.append(ToolCall(block["name"], json.dumps(block.get("input") or {}), block.get("id", "")))
    usage = answer.get("usage") or {}
    return ModelReply("".join(texts), tuple(calls), Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)))
