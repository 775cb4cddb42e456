"""Request handlers: the agents' pages, sign-in, and the bot's API."""
