# Pocdex developer commands. Everything runs on this machine, bound to 127.0.0.1,
# with its state under var/ (git-ignored). See docs/local-stack.md.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

LOCAL := local

.PHONY: help bootstrap run stop restart status logs test test-unit test-e2e test-browser screens test-aws test-android test-ios test-infra synth manifests images lint typecheck bench clean-state

help: ## show the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

bootstrap: ## install what is missing (Debian packages, var/venv, OpenSearch, s3proxy)
	@$(LOCAL)/bootstrap.sh

run: bootstrap ## start the whole stack and every service, print URLs and demo logins
	@$(LOCAL)/stack.sh up

stop: ## stop everything that make run started
	@$(LOCAL)/stack.sh down

restart: bootstrap ## restart the services (new code, new migrations); infrastructure stays up
	@$(LOCAL)/stack.sh restart

status: ## show what runs where
	@$(LOCAL)/stack.sh status

logs: ## follow every log under var/log
	@$(LOCAL)/stack.sh logs

# A stack that fails to come up is reported in the summary; the other suites still run.
test: bootstrap ## start the stack, then lint, typecheck, unit, end-to-end, mobile and infrastructure tests
	@status=0; $(LOCAL)/stack.sh up || status=$$?; POCDEX_STACK_STATUS=$$status $(LOCAL)/test.sh all

test-unit: bootstrap ## unit and integration tests of shared/, the services and local/ (no e2e)
	@$(LOCAL)/stack.sh up infra
	@$(LOCAL)/test.sh unit

test-e2e: bootstrap ## end-to-end tests (tests/) against the running gateway
	@$(LOCAL)/stack.sh up
	@$(LOCAL)/test.sh e2e

test-browser: bootstrap ## the owner console in Debian's Chromium (Playwright, axe-core) against the running stack
	@$(LOCAL)/stack.sh up
	@$(LOCAL)/test.sh browser

screens: bootstrap ## screenshots of every owner console page in both languages into docs/screens/owner/
	@$(LOCAL)/stack.sh up
	@tests/browser/install.sh
	@source $(LOCAL)/env.sh && var/venv/bin/python -m tests.browser.screens

test-aws: bootstrap ## Celery on SQS against moto's server: every queue through real workers, DLQs, tenant.created fan-out
	@$(LOCAL)/stack.sh up infra
	@$(LOCAL)/test.sh aws

test-android: bootstrap ## the Android app: Kotlin core and Compose UI on the JVM, journey against the stack
	@$(LOCAL)/stack.sh up
	@$(LOCAL)/test.sh android

test-ios: bootstrap ## the iOS app's PocdexKit on Linux (Swift chroot), journey against the stack
	@$(LOCAL)/stack.sh up
	@$(LOCAL)/test.sh ios

test-infra: ## offline infrastructure checks: the CDK app (synth, assertions, cdk-nag, cfn-lint, checkov) and the Helm charts
	@$(LOCAL)/test.sh infra

synth: ## synthesize every stage of the AWS CDK app into cdk/cdk.out (no AWS account needed)
	@cdk/test.sh synth

manifests: ## render every Helm chart for every stage into var/manifests/<stage>/ (charts/README.md)
	@$(LOCAL)/bootstrap.sh python
	@charts/test.sh manifests

images: ## build the four service images pocdex-<service>:<git sha> and smoke-test them (own dockerd; images/README.md)
	@images/build.sh

lint: ## ruff check and ruff format --check
	@$(LOCAL)/bootstrap.sh python
	@$(LOCAL)/test.sh lint

typecheck: ## mypy for shared/ and each service
	@$(LOCAL)/bootstrap.sh python
	@$(LOCAL)/test.sh typecheck

bench: bootstrap ## run every bench/<name>/run.sh against the running stack (docs/benchmarks.md)
	@$(LOCAL)/stack.sh up
	@$(LOCAL)/bench.sh

clean-state: ## stop everything and delete var/ (keeps var/downloads)
	@$(LOCAL)/stack.sh down
	@$(LOCAL)/clean-state.sh
