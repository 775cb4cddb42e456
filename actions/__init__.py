"""The action server: `python -m rasa_sdk --actions actions`."""

# First, before anything loads an OpenMP runtime: the process's thread settings.
from actions import runtime  # noqa: F401
from actions.csat import ActionStoreCsat, ValidateCsatForm
from actions.handoff import ActionCreateTicket, ActionHandoff, ValidateOfflineTicketForm
from actions.kb_answer import ActionAnswerFromKB
from actions.kb_feedback import ActionKBFeedback
from actions.opening_hours import ActionAnswerOpeningOnDate
from actions.order_status import ActionOrderStatus, ActionRestartOrderCheck, ValidateOrderStatusForm
from actions.yes_no import ActionReplyToYesNo

__all__ = [
    "ActionAnswerFromKB",
    "ActionAnswerOpeningOnDate",
    "ActionCreateTicket",
    "ActionHandoff",
    "ActionKBFeedback",
    "ActionOrderStatus",
    "ActionRestartOrderCheck",
    "ActionReplyToYesNo",
    "ActionStoreCsat",
    "ValidateCsatForm",
    "ValidateOfflineTicketForm",
    "ValidateOrderStatusForm",
]
