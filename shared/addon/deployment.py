"""The add-on's deployment descriptor (`gcloud workspace-add-ons deployments create --deployment-file`),
made from the functions' URLs so it can never name an endpoint that is not deployed.

    python -m shared.addon.deployment > deployment.json   # with the RAPPORT_* settings of the project

The scopes are the smallest that work: the add-on runs in Gmail, reads the open message's headers only
(no body: `.metadata`, not `.readonly`), and learns the user's verified address for their ID token.
"""

from __future__ import annotations

import json
from typing import Any

from shared.addon.cards import LOGO_URL
from shared.settings import Settings, get_settings

SCOPES = (
    "https://www.googleapis.com/auth/gmail.addons.execute",
    "https://www.googleapis.com/auth/gmail.addons.current.message.metadata",
    "https://www.googleapis.com/auth/userinfo.email",
)


def deployment(settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    return {
        "oauthScopes": list(SCOPES),
        "addOns": {
            "common": {
                "name": "Rapport",
                "logoUrl": LOGO_URL,
                "layoutProperties": {"primaryColor": "#1a5fb4"},
                "homepageTrigger": {"runFunction": settings.function_url("addon-homepage")},
                "openLinkUrlPrefixes": [settings.web_app_url],
            },
            "gmail": {
                "contextualTriggers": [
                    {"unconditional": {}, "onTriggerFunction": settings.function_url("addon-message")}
                ],
            },
            # Google signs every call with the add-ons service agent's ID token (shared/addon/tokens.py).
            "httpOptions": {"authorizationHeader": "SYSTEM_ID_TOKEN"},
        },
    }


if __name__ == "__main__":
    print(json.dumps(deployment(), indent=2))
