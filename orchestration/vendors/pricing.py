"""Estimated cost of a run: each model call's tokens at its vendor's list price.

Offline, token counts are the offline model's estimates (about four characters per token), so the
figure reads as "what this run would cost with these models", not a bill. A local model costs
nothing per token: its calls are priced at 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ..observe.trace import Event

Vendor = Literal["openai", "anthropic", "aws"]

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4o-mini": (0.15, 0.60),
    "claude-sonnet-4-6": (3.00, 15.00),
    "claude-sonnet-4-5": (3.00, 15.00),  # retired by Anthropic on 30 November 2026
    "claude-haiku-4-5": (1.00, 5.00),
    "amazon.nova-lite-v1:0": (0.06, 0.24),
    "amazon.nova-pro-v1:0": (0.80, 3.20),
}
"""USD per million tokens (input, output), list prices for on-demand use."""

DEFAULT_MODEL: dict[Vendor, str] = {"openai": "gpt-4.1-mini", "anthropic": "claude-sonnet-4-6",
                                    "aws": "amazon.nova-lite-v1:0"}
"""The model priced when a vendor's configured model is not in the table."""


def vendor_of(event: Event, pattern_vendor: Vendor) -> Vendor:
    """Which vendor served a model call: a manager is OpenAI, sub-agents say theirs, else the pattern's."""
    if event.actor == "manager":
        return "openai"
    if "(Claude" in event.actor:
        return "anthropic"
    if "(Bedrock" in event.actor:
        return "aws"
    return pattern_vendor


def price(model: str, vendor: Vendor) -> tuple[float, float]:
    """(input, output) USD per million tokens for `model`, or the vendor's default model."""
    return PRICES_PER_MILLION.get(model) or PRICES_PER_MILLION[DEFAULT_MODEL[vendor]]


def estimate_cost(events: Iterable[Event], pattern_vendor: Vendor, models: dict[Vendor, str] | None = None,
                  free: Iterable[Vendor] = ()) -> float:
    """USD for the model calls among `events`, given each vendor's configured model; `free` vendors
    (served by a local model) cost nothing."""
    models, free = models or {}, set(free)
    total = 0.0
    for event in events:
        if event.model_call:
            vendor = vendor_of(event, pattern_vendor)
            if vendor in free:
                continue
            per_in, per_out = price(models.get(vendor, DEFAULT_MODEL[vendor]), vendor)
            total += (event.tokens_in * per_in + event.tokens_out * per_out) / 1_000_000
    return total
