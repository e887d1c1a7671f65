"""addon-homepage: the Gmail sidebar with no message open (going cold, tasks due, recent activity)."""

from __future__ import annotations

from functions._lib.addon import addon_function

addon_homepage = addon_function("addon_homepage", lambda service, event: service.homepage(event))
