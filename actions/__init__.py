"""The action server: `python -m rasa_sdk --actions actions`."""

from actions.kb_answer import ActionAnswerFromKB
from actions.order_status import ActionOrderStatus, ValidateOrderStatusForm
from actions.yes_no import ActionReplyToYesNo

__all__ = ["ActionAnswerFromKB", "ActionOrderStatus", "ActionReplyToYesNo", "ValidateOrderStatusForm"]
