"""`make run` prints each enabled messenger channel's webhook URL (its `webhooks` step, from var/run.env)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.processes import REPO_ROOT

CHANNELS = {
    "Telegram": {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "s"},
    "Whatsapp": {"WHATSAPP_ACCESS_TOKEN": "t", "WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v",
                 "WHATSAPP_PHONE_NUMBER_ID": "1"},
    "Facebook": {"FACEBOOK_PAGE_TOKEN": "t", "FACEBOOK_APP_SECRET": "s", "FACEBOOK_VERIFY_TOKEN": "v"},
    "Instagram": {"INSTAGRAM_PAGE_TOKEN": "t", "INSTAGRAM_APP_SECRET": "s", "INSTAGRAM_VERIFY_TOKEN": "v"},
    "Slack": {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s"},
}


def printed(tmp_path: Path, variables: dict[str, str]) -> str:
    env_file = tmp_path / "run.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in {"RASA_PORT": "5123", **variables}.items()), encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not any(k in c for c in CHANNELS.values())}
    done = subprocess.run(["make", "-s", "webhooks", f"RUN_ENV={env_file}"], cwd=REPO_ROOT, env=clean,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_prints_the_webhook_url_of_each_enabled_channel_and_only_those(tmp_path: Path):
    enabled = [name for name in CHANNELS if name != "Instagram"]  # one channel left without its variables
    out = printed(tmp_path, {k: v for name in enabled for k, v in CHANNELS[name].items()})
    for name in enabled:
        assert f"{name} webhook: http://localhost:5123/webhooks/{name.lower()}/webhook" in out, out
    assert "Instagram" not in out
