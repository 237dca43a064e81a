"""An Agents SDK session with a budget, for the patterns whose memory is the SDK's (D, E, F, G).

The SDK hands a model every item its session holds, so a long conversation grows every prompt
(and, on a paid model, every bill). This session keeps them all, but gives the model only the newest
whole turns within `SESSION_BUDGET` items: a turn is never cut between a tool call and its output,
and the cut is a step in the trace. C keeps its own message list the same way (`HISTORY_BUDGET`).
"""

from __future__ import annotations

from typing import Any

from agents import SQLiteSession

from ..observe import decided

SESSION_BUDGET = 60
"""Items (messages, tool calls, tool outputs) a model is given from the session at most."""


class BudgetedSession(SQLiteSession):
    """`SQLiteSession` whose reads stop at the budget, cutting only where a user's turn begins."""

    async def get_items(self, limit: int | None = None) -> list[Any]:
        items = await super().get_items(limit)
        if len(items) <= SESSION_BUDGET:
            return items
        starts = [n for n, item in enumerate(items)
                  if isinstance(item, dict) and item.get("role") == "user" and len(items) - n <= SESSION_BUDGET]
        keep_from = starts[0] if starts else len(items)
        decided(f"trim the session: give the model the newest {len(items) - keep_from} of {len(items)} items "
                f"(budget {SESSION_BUDGET})")
        return items[keep_from:]
