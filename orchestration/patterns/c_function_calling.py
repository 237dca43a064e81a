"""Pattern C — function calling: the model suggests, your code executes and owns the loop.

The article's loop, as it runs here against OpenAI Chat Completions:

1. Your code keeps the conversation: a list of chat messages, starting with the system prompt.
   That list is the whole memory of the conversation, carried from turn to turn within a budget.
2. Each pass sends the messages and the two tool schemas to the model.
3. An answer without tool calls is the reply: your code ends the loop.
4. Otherwise the model has *suggested* calls. Your code runs every one of them — validating the
   arguments and binding the user from the session, which the model never sees — and appends the
   assistant message and one result per call. Between a suggestion and its execution is where this
   pattern lets your code validate: with the playground's safeguards on (safeguards.py, off by default),
   a repeated call stops the loop, and a booking of a slot `check_availability` never returned, or a
   second booking in one request, is refused and the refusal told to the model.
5. Your code decides to go round again, at most `max_steps` model calls per turn; then it stops
   and says so rather than looping on.
"""

from __future__ import annotations

from typing import Any

from ..observe import decided
from ..safeguards import LoopChecks
from ..tools import openai_chat_tools, run_tool
from .base import ASSISTANT_RULES, Conversation, Deps, today_line

HISTORY_BUDGET = 40
"""Messages of memory sent with each call, besides the system prompt."""
SYSTEM_PROMPT = "You are the booking assistant of a tennis club with courts A, B, C and D. {today}\n{rules}"
"""Who the assistant is, today's date, and the booking rules."""


class FunctionCalling(Conversation):
    """Pattern C. State: the message list. Loop: yours."""

    letter = "C"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.client = deps.clients.openai
        self.model = deps.clients.model_id("openai")
        self.tools = openai_chat_tools()
        # 1. The conversation state is this list, owned by your code.
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT.format(
            today=today_line(deps.clock.today()), rules=ASSISTANT_RULES)}]
        self.checks = LoopChecks(self.safeguards_on, self.made_this_turn)  # the playground's safeguards (off: no-ops)

    def respond(self, text: str) -> str:
        self.trim()
        self.messages.append({"role": "user", "content": text})
        self.checks.new_turn()
        for _ in range(self.deps.max_steps):
            # 2. Send everything so far, with the tool schemas.
            response = self.client.chat.completions.create(model=self.model, messages=self.messages, tools=self.tools)
            message = response.choices[0].message

            # 3. No tool calls: the model has answered, and your code stops the loop.
            if not message.tool_calls:
                self.messages.append({"role": "assistant", "content": message.content or ""})
                return message.content or ""

            # 4. The model suggested calls; your code executes every one of them.
            self.messages.append(_assistant_message(message))
            for call in message.tool_calls:
                name, arguments = call.function.name, call.function.arguments
                if self.checks.repeated(name, arguments):  # safeguard repeat-stop
                    return self.stopped("I", "the model asked for the same call twice in one message")
                # safeguards checked-slots, one-booking
                result = self.checks.refusal(name, arguments) or self.run(name, arguments)
                self.messages.append({"role": "tool", "tool_call_id": call.id, "content": result})

        # 5. The cap: your code decides the loop has run long enough, and says so.
        # (These are your code's words, not the model's: they do not join the model's messages.)
        return self.stopped("I")

    def run(self, name: str, arguments: str) -> str:
        """4. Run one call against the calendar; its result, as the JSON the model reads."""
        outcome = run_tool(name, arguments, self.booking)
        self.checks.saw(name, arguments, outcome)
        return outcome.as_json()

    def trim(self) -> None:
        """1. The memory has a budget: past `HISTORY_BUDGET` messages, the oldest whole turns go (the
        system prompt stays, and a turn is never cut between a tool call and its result)."""
        if len(self.messages) - 1 <= HISTORY_BUDGET:
            return
        starts = [n for n, m in enumerate(self.messages)
                  if m["role"] == "user" and len(self.messages) - n <= HISTORY_BUDGET]
        keep_from = starts[0] if starts else len(self.messages)
        decided(f"trim the history: drop the {keep_from - 1} oldest messages (budget {HISTORY_BUDGET})")
        self.messages[1:keep_from] = []


def _assistant_message(message: Any) -> dict[str, Any]:
    """The assistant's tool-call message, as it goes back into the conversation."""
    return {
        "role": "assistant",
        "content": message.content,
        "tool_calls": [{"id": c.id, "type": "function",
                        "function": {"name": c.function.name, "arguments": c.function.arguments}}
                       for c in message.tool_calls],
    }
