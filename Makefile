# Two commands matter: `make run` (the whole assistant) and `make test`.
# Every other target is a step they take; each is skipped when already up to date.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV_APP  := .venv
VENV_RASA := .venv-rasa
APP_PY    := $(VENV_APP)/bin/python
RASA      := $(VENV_RASA)/bin/rasa
MODEL     := models/assistant.tar.gz
RUN_ENV   := var/run.env
RASA_INPUTS := config.yml bot/domain.yml $(wildcard data/nlu/*.yml data/stories/*.yml)

export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test setup index demo-shop run-env shell clean

help:
	@echo "make run    start the assistant (sets everything up on first use)"
	@echo "make test   run all tests (sets everything up on first use)"
	@echo "make shell  chat in the terminal with the running assistant's action server"

setup: $(VENV_APP)/.installed $(VENV_RASA)/.installed $(MODEL) index demo-shop run-env

# --- virtual environments -----------------------------------------------------
$(VENV_APP)/.installed: requirements/app.txt requirements/app.lock
	@py=$$(scripts/find_python.sh 3.11) || exit 1; \
	  [ -x $(APP_PY) ] || $$py -m venv $(VENV_APP)
	$(APP_PY) -m pip install --quiet -r requirements/app.txt -c requirements/app.lock
	@touch $@

$(VENV_RASA)/.installed: requirements/rasa.txt
	@py=$$(scripts/find_python.sh 3.10) || exit 1; \
	  [ -x $(VENV_RASA)/bin/python ] || $$py -m venv $(VENV_RASA)
	$(VENV_RASA)/bin/python -m pip install --quiet -r requirements/rasa.txt
	@touch $@

# --- the Rasa model: trained only when its inputs changed ----------------------
$(MODEL): $(RASA_INPUTS) $(VENV_RASA)/.installed
	$(RASA) train --config config.yml --domain bot/domain.yml --data data/nlu data/stories \
	  --out models --fixed-model-name assistant
	@touch $@

# --- the KB index: `build` itself is a no-op when no article changed ----------
index: $(VENV_APP)/.installed
	$(APP_PY) -m kb_index build

# --- the demo shop's order database (re-seeded when its dates get stale) --------
demo-shop: $(VENV_APP)/.installed
	$(APP_PY) -m orders.demo_shop --db var/demo_shop.db

run-env:
	@scripts/run_env.sh $(RUN_ENV)

run: setup
	@set -a; . $(RUN_ENV); set +a; \
	  echo; echo "Starting the assistant. When Rasa logs 'Rasa server is up and running', chat:"; \
	  echo "  curl -s localhost:$$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\"; \
	  echo "       -d '{\"sender\": \"me\", \"message\": \"how long does delivery take?\"}'"; \
	  echo "  make shell        (in another terminal: a terminal chat)"; \
	  echo "  Rasa HTTP API:    http://localhost:$$RASA_PORT  (token: see $(RUN_ENV))"; \
	  echo "  Demo shop + chat: http://localhost:$$SHOP_PORT"; \
	  echo "  Agent desk:       http://localhost:$$DESK_PORT/login"; \
	  echo "  KB publish API:   http://localhost:$$KB_PORT  (token: KB_PUBLISH_TOKEN in $(RUN_ENV))"; \
	  echo "  First agent:      .venv/bin/python -m desk create-agent --username anna --name \"Anna\""; \
	  PYTHONPATH=. $(VENV_RASA)/bin/python -m bot.channels.webhooks http://localhost:$$RASA_PORT; \
	  echo "Ctrl-C stops everything."; echo; \
	  exec $(VENV_APP)/bin/honcho -e $(RUN_ENV) -f Procfile start

shell: setup
	@set -a; . $(RUN_ENV); set +a; PYTHONPATH=. $(RASA) shell -m models --endpoints endpoints.yml --port 5006

test: setup
	scripts/ensure_system_packages.sh
	$(VENV_APP)/bin/ruff check .
	$(APP_PY) -m pytest

clean:
	rm -rf $(VENV_APP) $(VENV_RASA) models var .pytest_cache
