"""Extensions of the action server, found by rasa-sdk itself (``rasa_sdk.plugin`` imports this package).

`python -m rasa_sdk --actions actions` stays the command; each module here adds routes or
middleware to its Sanic app through the ``attach_sanic_app_extensions`` hook.
"""

from __future__ import annotations

import pluggy

from rasa_sdk_plugins import operations


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(operations)
