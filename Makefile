# QKit: `make test` runs the test suite, `make demo` runs the tour sample, `make interop`
# runs the samples against real Qt 6 (PySide6, in a git-ignored venv; ~270 MB, not part of
# `make test`). Each first makes sure libevent-dev and pkg-config are installed.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift

.PHONY: deps test demo build clean interop

VENV := .venv-interop
PYSIDE := PySide6-Essentials

deps:
	@if ! pkg-config --exists libevent_pthreads 2>/dev/null; then \
		echo "installing libevent-dev and pkg-config"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libevent-dev pkg-config; \
	fi

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) test --no-parallel

demo: deps
	$(SWIFT) run -c release tour

$(VENV)/bin/python:
	python3 -m venv $(VENV)

interop: deps $(VENV)/bin/python
	@$(VENV)/bin/python -c "import PySide6.QtNetwork" 2>/dev/null || $(VENV)/bin/pip install -q $(PYSIDE)
	$(SWIFT) build
	bash Samples/Interop/run.sh $(VENV)/bin/python "$$($(SWIFT) build --show-bin-path)"

clean:
	rm -rf .build
