"""The agent desk: people take over conversations the bot hands off (docs/handoff.md)."""
