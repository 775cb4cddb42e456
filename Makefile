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
SETUP_LOG := var/log/setup.log
# Run a set-up step with its output appended to $(SETUP_LOG); on failure show its last lines.
logged = mkdir -p var/log; { $(1); } >>$(SETUP_LOG) 2>&1 || { tail -n 30 $(SETUP_LOG); echo "failed; full log: $(SETUP_LOG)"; exit 1; }
RASA_INPUTS := config.yml bot/domain.yml $(wildcard data/nlu/*.yml data/stories/*.yml)

export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run run-scaled test setup index demo-shop run-env shell clean webhooks

help:
	@echo "make run    start the assistant (sets everything up on first use)"
	@echo "make test   run all tests (sets everything up on first use)"
	@echo "make run-scaled  the scaled profile: 2 Rasa + 2 action servers behind HAProxy (docs/deploy.md)"
	@echo "make shell  chat in the terminal with the running assistant's action server"

setup: $(VENV_APP)/.installed $(VENV_RASA)/.installed $(MODEL) index demo-shop run-env

# --- virtual environments -----------------------------------------------------
$(VENV_APP)/.installed: requirements/app.txt requirements/app.lock
	@py=$$(scripts/find_python.sh 3.11) || exit 1; \
	  [ -x $(APP_PY) ] || $$py -m venv $(VENV_APP)
	@echo "Installing the app environment $(VENV_APP) (log: $(SETUP_LOG))"
	@$(call logged,$(APP_PY) -m pip install -r requirements/app.txt -c requirements/app.lock)
	@touch $@

$(VENV_RASA)/.installed: requirements/rasa.txt
	@py=$$(scripts/find_python.sh 3.10) || exit 1; \
	  [ -x $(VENV_RASA)/bin/python ] || $$py -m venv $(VENV_RASA)
	@echo "Installing the Rasa environment $(VENV_RASA) (log: $(SETUP_LOG))"
	@$(call logged,$(VENV_RASA)/bin/python -m pip install -r requirements/rasa.txt)
	@touch $@

# --- the Rasa model: trained only when its inputs changed ----------------------
$(MODEL): $(RASA_INPUTS) $(VENV_RASA)/.installed
	@echo "Training the Rasa model (a few minutes; log: $(SETUP_LOG))"
	@$(call logged,$(RASA) train --config config.yml --domain bot/domain.yml --data data/nlu data/stories \
	  --out models --fixed-model-name assistant)
	@touch $@

# --- the KB index: `build` itself is a no-op when no article changed ----------
index: $(VENV_APP)/.installed
	@echo "KB index: building what changed (log: $(SETUP_LOG))"
	@$(call logged,$(APP_PY) -m kb_index build)

# --- the demo shop's order database (re-seeded when its dates get stale) --------
demo-shop: $(VENV_APP)/.installed
	@$(call logged,$(APP_PY) -m orders.demo_shop --db var/demo_shop.db)

run-env:
	@scripts/run_env.sh $(RUN_ENV)

run: setup webhooks
	@exec $(APP_PY) -m deploy.supervisor deploy/local.yml --env $(RUN_ENV)

# Each enabled messenger channel's webhook URL, from the variables in $(RUN_ENV) (docs/channels.md).
webhooks:
	@mkdir -p $(dir $(SETUP_LOG))
	@set -a; . $(RUN_ENV); set +a; PYTHONPATH=. $(VENV_RASA)/bin/python -m bot.channels.webhooks http://localhost:$$RASA_PORT 2>>$(SETUP_LOG)

# The scaled profile (docs/deploy.md): needs PostgreSQL, Redis and RabbitMQ where var/run-scaled.env says.
run-scaled: setup
	@deploy/scaled/run_env.sh var/run-scaled.env
	@exec $(APP_PY) -m deploy.supervisor deploy/scaled/profile.yml --env var/run-scaled.env

shell: setup
	@set -a; . $(RUN_ENV); set +a; PYTHONPATH=. $(RASA) shell -m models --endpoints endpoints.yml --port 5006

test: setup
	scripts/ensure_system_packages.sh
	$(VENV_APP)/bin/ruff check .
	$(APP_PY) -m pytest

clean:
	rm -rf $(VENV_APP) $(VENV_RASA) models var .pytest_cache
