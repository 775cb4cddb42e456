"""Why the bot handed a conversation over, in words an agent reads at a glance."""

REASON_LABELS = {
    "shopper_asked": "Asked for a person",
    "not_understood": "Bot did not understand",
    "verification_failed": "Order verification failed",
    "order_delayed": "Order delayed or lost",
    "unknown": "Reason unknown (the bot's record could not be read)",
}


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason.replace("_", " ").capitalize())
