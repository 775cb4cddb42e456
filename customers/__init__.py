"""One history across channels: which conversations belong to the same customer.

``CustomerDirectory`` (customers/directory.py) is the whole interface: the desk's event
follower feeds it Rasa's events, the desk asks it for a customer's other conversations, and a
report asks ``customer_of(sender_id)`` / ``customers_of(sender_ids)`` / ``identities_of(sender_id)``.
What counts as proof of an identity, and how it is stored (keyed digests), is in
customers/identities.py.
"""

from customers.directory import Conversation, CustomerDirectory, TranscriptLine
from customers.identities import IdentityDigests, Kind, platform_identity

__all__ = ["Conversation", "CustomerDirectory", "IdentityDigests", "Kind", "TranscriptLine", "platform_identity"]
