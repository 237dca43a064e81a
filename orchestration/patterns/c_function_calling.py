"""Pattern C — function calling: the model suggests, your code executes and owns the loop.

The article's loop, as it runs here against OpenAI Chat Completions:

1. Your code keeps the conversation: a list of chat messages, starting with the system prompt.
   That list is the whole memory of the conversation, carried from turn to turn.
2. Each pass sends the messages and the two tool schemas to the model.
3. An answer without tool calls is the reply: your code ends the loop.
4. Otherwise the model has *suggested* calls. Your code runs each one — validating the arguments
   and binding the user from the session, which the model never sees — and appends the assistant
   message and one result per call.
5. Your code decides to go round again, at most `max_steps` model calls per turn; then it stops
   and says so rather than looping on.
"""

from __future__ import annotations

from datetime import date
from time import perf_counter
from typing import Any

from ..tools import openai_chat_tools, run_tool
from .base import ASSISTANT_RULES, Conversation, Deps, today_line


def system_prompt(today: date) -> str:
    """The system prompt: who the assistant is, today's date, and the booking rules."""
    return f"You are the booking assistant of a tennis club with courts A, B, C and D. {today_line(today)}\n{ASSISTANT_RULES}"


class FunctionCalling(Conversation):
    """Pattern C. State: the message list. Loop: yours."""

    letter = "C"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.client = deps.clients.openai
        self.model = deps.clients.model_id("openai")
        self.model_actor = deps.clients.actor("openai")
        self.tools = openai_chat_tools()
        # 1. The conversation state is this list, owned by your code.
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt(deps.clock.today())}]

    def respond(self, text: str) -> str:
        self.messages.append({"role": "user", "content": text})
        for step in range(1, self.deps.max_steps + 1):
            # 2. Send everything so far, with the tool schemas.
            self.trace.emit("code", self.model_actor, "call_model", "code",
                            f"send {len(self.messages)} messages and {len(self.tools)} tools (pass {step})")
            started = perf_counter()
            response = self.client.chat.completions.create(model=self.model, messages=self.messages, tools=self.tools)
            ms = (perf_counter() - started) * 1000
            message, usage = response.choices[0].message, response.usage
            tokens = {"tokens_in": usage.prompt_tokens if usage else 0,
                      "tokens_out": usage.completion_tokens if usage else 0, "ms": ms, "model_call": True}

            # 3. No tool calls: the model has answered, and your code stops the loop.
            if not message.tool_calls:
                reply = message.content or ""
                self.trace.emit(self.model_actor, "code", "answer", "llm", f"answer: {reply}", {"text": reply}, **tokens)
                self.messages.append({"role": "assistant", "content": reply})
                return reply

            # 4. The model suggested calls; your code executes every one of them.
            self.messages.append(_assistant_message(message))
            for n, call in enumerate(message.tool_calls):
                name, arguments = call.function.name, call.function.arguments
                self.trace.emit(self.model_actor, "code", "choose_tool", "llm", f"suggest {name}({arguments})",
                                {"tool": name, "arguments": arguments, "call_id": call.id, "rationale": message.content or ""},
                                **(tokens if n == 0 else {}))
                started = perf_counter()
                outcome = run_tool(name, arguments, self.booking)
                self.trace.emit("code", "calendar", "execute_tool", "code", f"run {name} → {outcome.result.status}",
                                {"tool": name, "arguments": outcome.arguments, "result": outcome.as_dict()},
                                ms=(perf_counter() - started) * 1000)
                self.messages.append({"role": "tool", "tool_call_id": call.id, "content": outcome.as_json()})

        # 5. The cap: your code decides the loop has run long enough.
        reply = (f"I stopped after {self.deps.max_steps} model call{'s' * (self.deps.max_steps != 1)} without finishing; "
                 "nothing more was booked. Please try again or rephrase.")
        self.trace.emit("code", "code", "decide", "code", "stop: step cap reached", {"max_steps": self.deps.max_steps})
        self.messages.append({"role": "assistant", "content": reply})
        return reply


def _assistant_message(message: Any) -> dict[str, Any]:
    """The assistant's tool-call message, as it goes back into the conversation."""
    return {
        "role": "assistant",
        "content": message.content,
        "tool_calls": [{"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
                       for c in message.tool_calls],
    }
