"""The action server: `python -m rasa_sdk --actions actions`."""

from actions.kb_answer import ActionAnswerFromKB
from actions.yes_no import ActionReplyToYesNo

__all__ = ["ActionAnswerFromKB", "ActionReplyToYesNo"]
