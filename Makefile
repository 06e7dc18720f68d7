# QKit: `make test` runs the test suite, `make demo` runs the tour sample.
# Both first make sure libevent-dev and pkg-config are installed.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift

.PHONY: deps test demo build clean

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

clean:
	rm -rf .build
