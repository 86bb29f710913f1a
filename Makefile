# Pupitre — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
DATA ?= $(CURDIR)/.pupitre
LISTEN ?= 127.0.0.1:8470

# Debian packages the project needs (installed only when missing): Rust builds, the desk's
# WebKitGTK/tray/keyring stack, and what its headless tests use.
DEBIAN_PACKAGES := build-essential pkg-config curl libssl-dev libdbus-1-dev \
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev \
  dbus dbus-x11 gnome-keyring xvfb xauth imagemagick x11-utils python3-dbus python3-gi \
  python3-selenium webkit2gtk-driver fonts-noto-color-emoji chromium \
  poppler-utils lintian systemd postgresql

.PHONY: cluster torture-cluster deps run test lint package package-test bench torture fuzz bindings fmt ui ui-test e2e widget widget-test widget-e2e console console-test console-e2e

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "Debian packages: all present"; fi
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust from https://rustup.rs"; exit 1; }
	@command -v tauri-driver >/dev/null || { echo "Installing tauri-driver (WebDriver for the desk's end-to-end test)…"; $(CARGO) install tauri-driver --locked; }

## The desk's web UI (Svelte), built into ui/dist — the desk app embeds it at compile time.
ui: ui/node_modules/.package-lock.json
	cd ui && npm run build --silent

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

## The desk's UI: types, unit tests, and axe-core (WCAG 2.2 AA) on 24 views in both themes in
## Debian's Chromium.
ui-test: ui/node_modules/.package-lock.json
	cd ui && npm run check && npm test && npm run axe

## The visitor's widget (TypeScript, no framework), built into widget/dist/widget.js — the hub
## embeds it (and the /demo pages) at compile time.
widget: widget/node_modules/.package-lock.json
	cd widget && npm run build --silent

widget/node_modules/.package-lock.json: widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund

## Widget checks: types, unit tests, and the 30 KB gzip budget.
widget-test: widget
	cd widget && npm run check && npm test && npm run size

## The widget in Debian's Chromium (Playwright) against a real hub, a scripted agent and a
## real SMTP sink; screenshots in widget/e2e/shots.
widget-e2e: widget console
	$(CARGO) build -p pupitre-server
	cd widget && PUPITRE_BIN=$(CARGO_TARGET_DIR)/debug/pupitre npm run e2e

## The administration console (Svelte), built into console/dist — the hub embeds it at
## compile time and serves it under /admin/.
console: console/node_modules/.package-lock.json
	cd console && npm run build --silent

console/node_modules/.package-lock.json: console/package-lock.json
	cd console && npm ci --no-audit --no-fund

## Console checks: types and unit tests.
console-test: console
	cd console && npm run check && npm test

## The console in Debian's Chromium (Playwright) against a real hub; screenshots in
## console/e2e/shots.
console-e2e: widget console
	$(CARGO) build -p pupitre-server
	cd console && PUPITRE_BIN=$(CARGO_TARGET_DIR)/debug/pupitre npm run e2e

## Start the hub with demo data and the desk logged in as Alice (demo agent).
run: deps ui widget console
	@echo "Building the hub and the desk (the first run takes several minutes)…"
	$(CARGO) build --release -p pupitre-server -p pupitre-app
	@mkdir -p $(DATA)
	@echo "Starting the hub on http://$(LISTEN) …"
	@$(CARGO_TARGET_DIR)/release/pupitre serve --demo --db $(DATA)/demo.db --listen $(LISTEN) --mail-dir $(DATA)/mail & hub=$$!; \
	trap 'kill $$hub 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do curl -sf http://$(LISTEN)/healthz >/dev/null && break; sleep 0.1; done; \
	echo "Starting the desk logged in as alice@demo.pupitre.test (close it from its tray menu: Quit)."; \
	echo "Act as a visitor: open http://$(LISTEN)/demo in a browser (answers by e-mail land in $(DATA)/mail/*.eml),"; \
	echo "  or in another terminal: $(CARGO_TARGET_DIR)/release/pupitre client visitor --hub http://$(LISTEN) --project DEMO"; \
	echo '  then type: {"type":"send_message","text":"Hello!"}'; \
	PUPITRE_HUB=http://$(LISTEN) PUPITRE_EMAIL=alice@demo.pupitre.test PUPITRE_PASSWORD=alice-demo-1 \
	  $(CARGO_TARGET_DIR)/release/pupitre-desk; \
	echo "The desk closed; the hub is still running. Ctrl+C to stop it."; wait $$hub

## Every check CI makes: formatting, lints, UI checks and tests, all Rust tests, the real
## desk end to end, and the two Debian packages built, installed and started.
## The store suite and the cluster's tests run on a PostgreSQL of their own (Debian's
## binaries, a temporary folder): in `make test` they must, not skip.
test: export PUPITRE_REQUIRE_POSTGRES = 1
test: export PUPITRE_REQUIRE_SYSTEMD_NS = 1
test: deps ui widget console lint ui-test widget-test console-test
	$(CARGO) test --workspace --all-targets
	$(MAKE) --no-print-directory e2e
	$(MAKE) --no-print-directory widget-e2e
	$(MAKE) --no-print-directory console-e2e
	$(MAKE) --no-print-directory package-test

## Several hubs on one PostgreSQL (issue 14) to try on this machine: PostgreSQL from Debian's
## binaries in a temporary folder, the demo data, three nodes on 127.0.0.1:8471-8473.
cluster: deps ui widget console
	$(CARGO) build --release -p pupitre-server
	$(CARGO_TARGET_DIR)/release/pupitre cluster --nodes 3 --port 8471

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PACKAGES := $(CARGO_TARGET_DIR)/packages
CARGO_DEB_VERSION := 3.8.0

## The Debian packages (issue 13), in $(CARGO_TARGET_DIR)/packages: pupitre-hub (cargo-deb:
## the binary, the systemd unit, /etc/pupitre/hub.toml) and pupitre-desk (Tauri's bundler: the
## app, its menu entry and icons).
package: deps ui widget console
	$(CARGO) build --release -p pupitre-server -p pupitre-app
	@command -v cargo-deb >/dev/null && cargo-deb --version | grep -q "$(CARGO_DEB_VERSION)" || \
	  $(CARGO) install cargo-deb --locked --version $(CARGO_DEB_VERSION)
	@rm -rf $(PACKAGES) && mkdir -p $(PACKAGES)
	cargo-deb -p pupitre-server --no-build --strip -o $(PACKAGES)/pupitre-hub_$(VERSION)_amd64.deb
	@# Tauri's bundler copies the binary as built: stripped here, as Debian ships binaries.
	strip --strip-unneeded --remove-section=.comment --remove-section=.note $(CARGO_TARGET_DIR)/release/pupitre-desk
	ui/node_modules/.bin/tauri bundle --bundles deb
	cp $(CARGO_TARGET_DIR)/release/bundle/deb/pupitre-desk_$(VERSION)_amd64.deb $(PACKAGES)/
	@ls -l $(PACKAGES)

## The packages checked as a user gets them: contents, lintian, the hub's service started by a
## real systemd (booted in private namespaces where the machine runs none) with its hardening
## seen from outside, the hub installed (its unit verified, started as its user), the desk
## installed and started under Xvfb; then purged.
package-test: package
	PATH="$(HOME)/.cargo/bin:$$PATH" tests/packaging/check.sh $(PACKAGES)

## The real desk app under Xvfb and a private D-Bus session, driven through tauri-driver;
## screenshots in $(CARGO_TARGET_DIR)/e2e/shots.
e2e: ui widget console
	$(CARGO) build -p pupitre-server -p pupitre-app
	@rm -rf $(CARGO_TARGET_DIR)/e2e && mkdir -p $(CARGO_TARGET_DIR)/e2e/home
	HOME=$(CARGO_TARGET_DIR)/e2e/home XDG_DATA_HOME=$(CARGO_TARGET_DIR)/e2e/home/data \
	  OUT=$(CARGO_TARGET_DIR)/e2e BIN=$(CARGO_TARGET_DIR)/debug WEBKIT_DISABLE_DMABUF_RENDERER=1 \
	  PATH="$(HOME)/.cargo/bin:$$PATH" \
	  xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- \
	  tests/desktop/session.sh /usr/bin/python3 tests/desktop/e2e.py

lint: ui widget console
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Performance figures: P1–P4 against a release hub on loopback, P6 the desk's cache, P5 the
## desk itself (release build, under Xvfb).
bench: deps widget console
	$(CARGO) build --release -p pupitre-server
	@mkdir -p $(CARGO_TARGET_DIR)/bench-desk
	$(CARGO_TARGET_DIR)/release/pupitre bench --p10-keep-db $(CARGO_TARGET_DIR)/bench-desk/stats.db
	$(CARGO) run --release -q -p pupitre-desk --example bench_cache
	$(MAKE) --no-print-directory ui
	$(CARGO) build --release -p pupitre-app
	@mkdir -p $(CARGO_TARGET_DIR)/bench-desk/home
	@HOME=$(CARGO_TARGET_DIR)/bench-desk/home XDG_DATA_HOME=$(CARGO_TARGET_DIR)/bench-desk/home/data \
	  OUT=$(CARGO_TARGET_DIR)/bench-desk BIN=$(CARGO_TARGET_DIR)/release PATH="$(HOME)/.cargo/bin:$$PATH" \
	  STATS_DB=$(CARGO_TARGET_DIR)/bench-desk/stats.db \
	  xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- \
	  tests/desktop/session.sh tests/desktop/bench_desk.sh 2>/dev/null | grep '^P5\|^P10' 
	cd widget && PUPITRE_BIN=$(CARGO_TARGET_DIR)/release/pupitre npm run --silent bench:cobrowse

## The fault harness at full size (issue 8): 100 visitors and 10 agents talking for 150 s while
## the hub is SIGKILLed 50 times, then every client's log checked against the store (R12, R1–R6).
## `make test` runs it small (crates/server/tests/faults.rs). SEED=… replays a printed seed.
torture: widget console
	$(CARGO) build --release -p pupitre-server
	$(CARGO_TARGET_DIR)/release/pupitre torture --visitors 100 --agents 10 --kills 50 --seconds 150 $(if $(SEED),--seed $(SEED))

## The fault harness against three hubs on one PostgreSQL (issue 14): 100 visitors, 10 agents,
## 25 kills of random nodes and 2 ownership connections cut, 150 s.
torture-cluster: widget console
	$(CARGO) build --release -p pupitre-server
	$(CARGO_TARGET_DIR)/release/pupitre torture --cluster 3 --cuts 2 --visitors 100 --agents 10 --kills 25 --seconds 150 $(if $(SEED),--seed $(SEED))

## Property-based fuzzing of frames, HTTP requests and settings against a real hub, at 5,000
## cases per property (`make test` runs 150). SEED= replays a run.
fuzz: widget console
	PUPITRE_FUZZ_CASES=$(or $(CASES),5000) $(if $(SEED),PUPITRE_FUZZ_SEED=$(SEED)) \
	  $(CARGO) test -p pupitre-server --test fuzz -- --nocapture

## Regenerate the TypeScript bindings of the wire protocol and of the desk's door.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p pupitre-protocol --test bindings
	UPDATE_BINDINGS=1 $(CARGO) test -p pupitre-desk --test bindings
	UPDATE_BINDINGS=1 $(CARGO) test -p pupitre-server --test bindings

fmt:
	$(CARGO) fmt --all
