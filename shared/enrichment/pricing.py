"""What a model call costs, from the price table in `prices.json` (USD per million tokens)."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict

PRICES_FILE = Path(__file__).with_name("prices.json")
MICROS_PER_USD = 1_000_000


class ModelPrice(BaseModel):
    model_config = ConfigDict(frozen=True)

    input_per_million_usd: float
    output_per_million_usd: float
    # Above this many prompt tokens the long-context prices apply to the whole call.
    long_context_threshold: int | None = None
    long_input_per_million_usd: float | None = None
    long_output_per_million_usd: float | None = None

    def cost_micros(self, *, prompt_tokens: int, output_tokens: int) -> int:
        """Cost in micro-USD, rounded up so the budget never under-counts. Thinking tokens bill as output."""
        input_price, output_price = self.input_per_million_usd, self.output_per_million_usd
        if self.long_context_threshold is not None and prompt_tokens > self.long_context_threshold:
            input_price = self.long_input_per_million_usd or input_price
            output_price = self.long_output_per_million_usd or output_price
        # USD per million tokens is exactly micro-USD per token.
        return math.ceil(prompt_tokens * input_price + output_tokens * output_price)


class UnknownModel(LookupError):
    pass


@functools.cache
def price_table() -> dict[str, ModelPrice]:
    raw = json.loads(PRICES_FILE.read_text())
    return {model: ModelPrice.model_validate(price) for model, price in raw["models"].items()}


def price_of(model: str) -> ModelPrice:
    """The price of `model`, also when named with a suffix ("gemini-2.5-flash-001"); longest name wins,
    so "gemini-2.5-flash-lite-001" is priced as Flash-Lite, not Flash."""
    table = price_table()
    for name in sorted(table, key=len, reverse=True):
        if model == name or model.startswith(f"{name}-"):
            return table[name]
    raise UnknownModel(f"no price for model {model!r}; add it to {PRICES_FILE.name}")
