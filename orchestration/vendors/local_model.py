"""A local OpenAI-compatible server (llama.cpp, Ollama, vLLM, LM Studio) as the model behind every vendor.

With `LOCAL_MODEL_URL` set, every vendor without its own key is driven by that one server:

- OpenAI calls (C, D, E, the managers of F and G) go to it directly, through the adapter
  (`local_server.py`).
- Bedrock (A's Converse, B's and F's agents, G's availability Lambda) and Anthropic (G's booking
  agent) still run through their own SDKs against the in-process emulated services, but those
  services' decisions come from the server: `LocalModel` is their model. Each request they receive
  — a Converse call, one orchestration step of a Bedrock agent, a Messages call — is translated into
  a chat completion with tools, and the answer back.

It imports the adapter (`local_server.py`) and the offline model's neutral protocol
(`offline/protocol.py`), never the settings or the clients: it reads the settings through
`local_server.ServerSettings`.
"""

from __future__ import annotations

from typing import Any

from .local_server import ServerAdapter, ServerQuirks, ServerSettings
from .offline.protocol import Message, ModelReply, ModelRequest, ToolCall, Usage


class LocalModel:
    """The decisions of the emulated Bedrock and Anthropic services, made by the local server.

    A `Thinker`: it takes the neutral `ModelRequest` the emulated service built from its own wire
    format, asks the server as a chat completion with tools, and returns the answer as a `ModelReply`.
    """

    def __init__(self, settings: ServerSettings, quirks: ServerQuirks) -> None:
        import openai

        self.name = settings.local_model
        self.client = openai.OpenAI(
            base_url=settings.local_model_url, api_key="local", timeout=settings.timeout(),
            max_retries=settings.retries(),
            http_client=openai.DefaultHttpxClient(transport=ServerAdapter(settings, quirks)))

    def reply(self, request: ModelRequest) -> ModelReply:
        response = self.client.chat.completions.create(**chat_request(request, self.name))
        message, usage = response.choices[0].message, response.usage
        calls = tuple(ToolCall(c.function.name, c.function.arguments or "{}", c.id) for c in message.tool_calls or [])
        return ModelReply(text=message.content or "", tool_calls=calls,
                          usage=Usage(usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0))


def chat_request(request: ModelRequest, model: str) -> dict[str, Any]:
    """A `ModelRequest` as Chat Completions parameters."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": request.system}] if request.system else []
    for message in request.messages:
        messages += _chat_messages(message)
    body: dict[str, Any] = {"model": model, "messages": messages}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.tools:
        body["tools"] = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                           "parameters": t.parameters}} for t in request.tools]
        choice = request.tool_choice
        body["tool_choice"] = choice if choice in ("auto", "required", "none") else {
            "type": "function", "function": {"name": choice}}
    if request.output_schema == {}:
        body["response_format"] = {"type": "json_object"}
    elif request.output_schema is not None:
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "output", "schema": request.output_schema}}
    return body


def _chat_messages(message: Message) -> list[dict[str, Any]]:
    if message.role == "user":
        return [{"role": "user", "content": message.text}]
    if message.role == "assistant":
        turn: dict[str, Any] = {"role": "assistant", "content": message.text or None}
        if message.tool_calls:
            turn["tool_calls"] = [{"id": c.id, "type": "function",
                                   "function": {"name": c.name, "arguments": c.arguments}}
                                  for c in message.tool_calls]
        return [turn]
    return [{"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in message.tool_results]
