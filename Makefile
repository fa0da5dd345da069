# djops: build, test and demo. Every target installs what it needs itself.
SHELL := /bin/bash
PY := /usr/bin/python3
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' src/djops/__init__.py)
DEB := dist/djops_$(VERSION)_all.deb
BUILD := build/djops-$(VERSION)
VENV := .venv
SRC_FILES := $(shell find src units packaging examples prometheus -type f -not -path '*/__pycache__/*') pyproject.toml README.md Makefile

APT_BUILD := debhelper dh-python pybuild-plugin-pyproject python3-all python3-setuptools lintian
APT_TEST := python3-systemd python3-watchdog python3-sdnotify python3-pytest python3-hypothesis \
            python3-venv python3-pip systemd-container mmdebstrap sqlite3 curl \
            python3-croniter python3-dbus prometheus apprise
APT_ALL := $(APT_BUILD) $(APT_TEST)

.PHONY: all deps deb lint unit unit-host unit-debians e2e lintian test demo demo-stop bench bench-claim bench-daemons bench-handover bench-trace bench-scale clean examples

all: deb

deps: .deps-stamp
.deps-stamp: Makefile
	@missing=$$(for p in $(APT_ALL); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	test -x $(VENV)/bin/python || $(PY) -m venv --system-site-packages $(VENV)
	$(VENV)/bin/pip install -q ruff "django>=5.2,<5.3" "psycopg[binary]" PyMySQL
	touch $@

deb: $(DEB)
$(DEB): $(SRC_FILES) | .deps-stamp
	rm -rf build && mkdir -p $(BUILD) dist
	cp -r src units examples prometheus pyproject.toml README.md $(BUILD)/
	cp -r packaging/debian $(BUILD)/debian
	printf 'djops (%s) unstable; urgency=medium\n\n  * Release %s; changes are in the git history.\n\n -- djops developers <djops@example.org>  %s\n' \
	  "$(VERSION)" "$(VERSION)" "$$(date -R -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s))" > $(BUILD)/debian/changelog
	cd $(BUILD) && env PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg-buildpackage -b -us -uc -rfakeroot >../dpkg-buildpackage.log 2>&1 || { tail -40 ../dpkg-buildpackage.log; exit 1; }
	mv build/djops_$(VERSION)_all.deb $@
	@echo "built $@"

# examples/P.toml is generated from the schema (a unit test holds it to it)
examples:
	PYTHONPATH=src $(PY) -m djops.generate.example > examples/P.toml

lint: .deps-stamp
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

# the unit suite on the host's python, then on Debian 13's and 12's own python,
# each in a container of the cached e2e rootfs (tests/e2e/unitsuite.py)
unit: unit-host unit-debians

unit-host: .deps-stamp
	$(PY) -m pytest -q -p no:cacheprovider tests/unit

unit-debians: .deps-stamp
	$(PY) tests/e2e/unitsuite.py

lintian: $(DEB)
	lintian --fail-on error --suppress-tags-from-file packaging/lintian-suppress $(DEB)

# The two Debians' suites run side by side (most of a test waits on a timer,
# a restart or a mail; each suite's log is shown whole when both are done):
# `make test` took 28.5 min so on 2 cores, against about 47 one after the other
# (2026-12-04). E2E_PARALLEL=0 runs them one after the other.
E2E_SUITES ?= trixie bookworm
E2E_PARALLEL ?= 1
E2E_PYTEST := $(PY) -m pytest -q -x --durations=40 -p no:cacheprovider tests/e2e
e2e: $(DEB)
	@mkdir -p build; rc=0; \
	if [ "$(E2E_PARALLEL)" = 1 ]; then \
	  for s in $(E2E_SUITES); do \
	    (DJOPS_E2E_SUITES=$$s $(E2E_PYTEST) > build/e2e-$$s.log 2>&1; echo $$? > build/e2e-$$s.rc) & \
	  done; wait; \
	  for s in $(E2E_SUITES); do echo "=== e2e on $$s"; cat build/e2e-$$s.log; \
	    [ "$$(cat build/e2e-$$s.rc)" = 0 ] || rc=1; done; \
	else \
	  for s in $(E2E_SUITES); do DJOPS_E2E_SUITES=$$s $(E2E_PYTEST) || rc=1; done; \
	fi; exit $$rc

test: lint unit lintian e2e

demo: $(DEB)
	$(PY) tests/e2e/demo.py start

demo-stop:
	$(PY) tests/e2e/demo.py stop

bench: $(DEB)
	cd bench && $(PY) clearsessions.py

# the cost of once per fleet's claim, in a container: about 3 minutes
bench-claim: $(DEB)
	cd bench && $(PY) claim.py

# boots containers (like the e2e suite): about 15 minutes
bench-daemons: $(DEB)
	cd bench && $(PY) reload.py && $(PY) health.py

# restart, socket-held restart, reload and hand-over under load, in a container: about 4 minutes per run
bench-handover: $(DEB)
	cd bench && $(PY) handover.py

bench-trace: $(DEB)
	cd bench && $(PY) batch_trace.py

bench-scale: $(DEB)
	cd bench && $(PY) scale.py $(ARGS)

clean:
	rm -rf build dist .deps-stamp
