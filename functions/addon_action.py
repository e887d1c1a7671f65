"""addon-action: the buttons of the sidebar's cards (note, task, deal, block, create contact, switch)."""

from __future__ import annotations

from functions._lib.addon import addon_function

addon_action = addon_function("addon_action", lambda service, event: service.action(event))
