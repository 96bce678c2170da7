# The two Quick-start commands (`make run`, `make test`) and the pieces they are made of.
# Build output lives outside the clone (CARGO_TARGET_DIR) so a fresh clone still builds incrementally.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= /var/tmp/portal-target
# cargo-leptos compiles with this set; setting it for every cargo command keeps one set of build artifacts.
export LEPTOS_OUTPUT_NAME := portal
export PATH := $(HOME)/.cargo/bin:$(PATH)
# Debug and release builds get their own site directory: a server must be served the WASM of its own profile.
SITE_ROOT := $(CURDIR)/target/site
RELEASE_SITE_ROOT := $(CURDIR)/target/site-release

.PHONY: run test setup setup-test build-release build-debug fmt-check clippy test-rust test-e2e bench clean

## Install what is missing, build the release, and serve http://127.0.0.1:3000 on SQLite with demo accounts.
run: setup build-release
	LEPTOS_SITE_ROOT=$(RELEASE_SITE_ROOT) $(CARGO_TARGET_DIR)/release/portal serve --demo

## Everything CI runs: formatting, clippy (ssr and hydrate), Rust tests on SQLite and PostgreSQL, Playwright.
test: setup-test fmt-check clippy build-debug test-rust test-e2e

setup:
	bash scripts/setup.sh build

setup-test:
	bash scripts/setup.sh test

build-release:
	LEPTOS_SITE_ROOT=$(RELEASE_SITE_ROOT) cargo leptos build --release

build-debug:
	LEPTOS_SITE_ROOT=$(SITE_ROOT) cargo leptos build

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

test-rust:
	bash scripts/with-postgres.sh cargo test --features ssr

test-e2e:
	cd end2end && PORTAL_BIN=$(CARGO_TARGET_DIR)/debug/portal LEPTOS_SITE_ROOT=$(SITE_ROOT) npx playwright test

## Benchmarks, not tests: each prints a Markdown table (README, "Benchmarks"). Submissions run on SQLite and on
## PostgreSQL (a throwaway cluster, if one is started, keeps fsync on here); fan-out runs the release server;
## help-centre search runs on a generated corpus of 10,000 articles on both backends.
bench:
	PORTAL_PG_FSYNC=on bash scripts/with-postgres.sh cargo bench --features ssr --bench submissions
	cargo bench --features ssr --bench fanout
	bash scripts/with-postgres.sh cargo bench --features ssr --bench insights
	bash scripts/with-postgres.sh cargo bench --features ssr --bench kb_search

clean:
	rm -rf target data
