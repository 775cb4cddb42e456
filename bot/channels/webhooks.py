"""``python -m bot.channels.webhooks BASE_URL``: the webhook URL of each enabled messenger channel.

`make run` prints them; a channel is enabled when the environment variables its entry in
bot/credentials.yml names are set (docs/channels.md).
"""

from __future__ import annotations

import argparse
import sys

import yaml
from rasa.shared.utils.common import class_from_module_path

from bot.channels.messaging import WebhookInput


def enabled_webhooks(credentials_path: str, base_url: str) -> list[tuple[str, str]]:
    with open(credentials_path, encoding="utf-8") as file:
        credentials = yaml.safe_load(file) or {}
    found = []
    for path, settings in credentials.items():
        channel_class = class_from_module_path(path)
        if isinstance(channel_class, type) and issubclass(channel_class, WebhookInput):
            channel = channel_class.from_credentials(settings)
            if channel.enabled:
                found.append((channel.name(), channel.webhook_url(base_url)))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.webhooks", description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="where Rasa is reached, e.g. http://localhost:5005")
    parser.add_argument("--credentials", default="bot/credentials.yml")
    args = parser.parse_args(argv)
    webhooks = enabled_webhooks(args.credentials, args.base_url)
    for name, url in webhooks:
        print(f"  {name.capitalize()} webhook: {url}  (public HTTPS in front of it: docs/channels.md)")
    if not webhooks:
        print("  Messenger channels: none enabled (docs/channels.md says which variables turn them on)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
