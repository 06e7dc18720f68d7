# QKit: `make test` runs the test suite, `make demo` runs the tour sample, `make sanitize`
# runs the suite under ThreadSanitizer and AddressSanitizer, `make leakcheck` runs every
# sample under valgrind, `make interop` runs the samples against real Qt 6 (PySide6, in a
# git-ignored venv; ~270 MB, not part of `make test`). Each first installs what it lacks.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift

.PHONY: deps test demo build clean interop sanitize leakcheck stress soak fuzz docs lint format bench bench-compare bench-deps

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

# Each sanitizer builds into its own folder (.build-tsan, .build-asan; git-ignored).
sanitize: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	QKIT_SANITIZED=1 TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --skip-build --no-parallel --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	QKIT_SANITIZED=1 LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp:print_suppressions=0 \
		$(SWIFT) test --skip-build --no-parallel --sanitize=address --scratch-path .build-asan

# The stress suite at full size (1,000 local clients, a 10 s UDP flood, 200 storm rounds);
# `make test` runs it small.
stress: deps
	QKIT_STRESS=full $(SWIFT) test --no-parallel --filter StressTests

# `make docs`: the DocC documentation of QCore and QNetwork (Sources/*/*.docc), with every
# warning an error (unresolved symbol links included); archives under .build/plugins/Swift-DocC.
docs: deps
	$(SWIFT) package --disable-sandbox generate-documentation --target QCore --warnings-as-errors
	$(SWIFT) package --disable-sandbox generate-documentation --target QNetwork --warnings-as-errors

# `make lint`: swift-format (the toolchain's) over Sources, Tests and Samples with the checked-in
# .swift-format (4-space indents, 130 columns); `make format` rewrites the files to match.
lint:
	$(SWIFT) format lint --strict -r Sources Tests Samples
format:
	$(SWIFT) format format -i -r Sources Tests Samples

# `make soak`: SOAK_S seconds (default 600) of mixed load in one process (Tests/Soak): local
# clients joining and leaving, a UDP flood, 10,000 timers, cross-thread signals, deleteLater
# churn. Fails on resident-memory growth over 1 % after the warm-up, a descriptor left open, an
# error or a message not accounted for. SOAK_ONLY=local|udp|timers|posts|churn runs one load.
SOAK_S ?= 600
soak: deps
	$(SWIFT) build -c release --product soak
	SOAK_S=$(SOAK_S) "$$($(SWIFT) build -c release --show-bin-path)/soak"

# `make fuzz`: every libFuzzer target in Fuzz/ (QDataStream, QHostAddress, local names,
# datagram control messages, the fortune frame) for FUZZ_S seconds each (default 60), from
# the seed corpus in Fuzz/Corpus, with AddressSanitizer; prints executions and coverage.
FUZZ_S ?= 60
fuzz: deps
	bash Fuzz/run.sh $(FUZZ_S)

leakcheck: deps
	@command -v valgrind >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
	$(SWIFT) build
	bash .ci/leakcheck.sh "$$($(SWIFT) build --show-bin-path)"

# Benchmarks (never part of `make test`): `make bench` runs the package-benchmark suites;
# `make bench-compare` runs QKit, Qt 6, SwiftNIO, raw libevent and the syscall floor side by side and writes
# Benchmarks/report.md and Benchmarks/report.svg.
bench-deps: deps
	@if ! pkg-config --exists Qt6Core Qt6Network 2>/dev/null || ! command -v g++ >/dev/null || ! command -v taskset >/dev/null; then \
		echo "installing qt6-base-dev, g++ and util-linux for the comparison peers"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qt6-base-dev g++ util-linux; \
	fi

# `make bench`: the dispatch timings, then allocations per operation checked against
# Benchmarks/Thresholds (fails when any operation allocates more than stored, or fewer: then
# store the new count with `benchmark thresholds update`).
bench: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --target DispatchBenchmarks
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark thresholds check --target AllocationBenchmarks --path Thresholds

bench-compare: bench-deps
	python3 Benchmarks/compare.py $(BENCH_ARGS)

$(VENV)/bin/python:
	python3 -m venv $(VENV)

interop: deps $(VENV)/bin/python
	@$(VENV)/bin/python -c "import PySide6.QtNetwork" 2>/dev/null || $(VENV)/bin/pip install -q $(PYSIDE)
	$(SWIFT) build
	bash Samples/Interop/run.sh $(VENV)/bin/python "$$($(SWIFT) build --show-bin-path)"

clean:
	rm -rf .build
