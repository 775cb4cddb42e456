"""The Rasa server process: Rasa's own CLI (``rasa run ...``) with the per-process set-up our stack needs.

scripts/rasa_server.sh starts ``python -m bot.rasa_process run ...`` instead of the ``rasa`` script;
the arguments are Rasa's.

What is set up, and why:

- Rasa 3.6 checks every action server response with ``jsonschema.validate(result, spec)``, which
  first validates the schema itself against the JSON Schema meta-schema, on every call. That
  check was a third of the Rasa process's CPU on a greeting (py-spy, issue 16), and a KB answer
  makes two action calls. Here the schema is checked once per process and one validator is kept;
  responses are validated against the same schema, with the same error as Rasa's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def action_response_validator() -> jsonschema.protocols.Validator:
    """The validator of Rasa's action response schema, its schema checked once."""
    spec = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result without re-checking the schema: True, or Rasa's ValidationError."""
    error = jsonschema.exceptions.best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def configure_process() -> None:
    """Everything above, before Rasa serves its first request."""
    RemoteAction._validate_action_result = validate_action_result


def main() -> None:
    from rasa.__main__ import main as rasa_main

    configure_process()
    rasa_main()


if __name__ == "__main__":
    main()
