# Pupitre — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
DB ?= $(CURDIR)/.pupitre/demo.db
LISTEN ?= 127.0.0.1:8470

# Debian packages the project needs (installed only when missing).
DEBIAN_PACKAGES := build-essential pkg-config libdbus-1-dev dbus gnome-keyring

.PHONY: deps run test lint bench bindings fmt

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "Debian packages: all present"; fi
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust from https://rustup.rs"; exit 1; }

## Start the hub with demo data (and, once the desk exists, the desk logged in).
run: deps
	@echo "Building the hub (first run takes a few minutes)…"
	$(CARGO) build --release -p pupitre-server
	@mkdir -p $(dir $(DB))
	$(CARGO_TARGET_DIR)/release/pupitre serve --demo --db $(DB) --listen $(LISTEN)

## Every check CI makes: formatting, lints, all tests.
test: deps lint
	$(CARGO) test --workspace --all-targets

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Performance figures (P1–P4) against a release hub on loopback.
bench: deps
	$(CARGO) build --release -p pupitre-server
	$(CARGO_TARGET_DIR)/release/pupitre bench

## Regenerate the TypeScript bindings of the wire contract.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p pupitre-protocol --test bindings

fmt:
	$(CARGO) fmt --all
