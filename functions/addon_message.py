"""addon-message: Gmail's contextual trigger; the card of the open message's sender or any participant."""

from __future__ import annotations

from functions._lib.addon import addon_function

addon_message = addon_function("addon_message", lambda service, event: service.message(event))
