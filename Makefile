# Hongyan build entry points. `make run ARGS="--demo"` passes ARGS to the app.

GO     ?= go
BINARY ?= hongyan
ARGS   ?=

.PHONY: all build run deps clean test

all: build

## build: compile the hongyan binary (cgo; the first Fyne build takes minutes)
build:
	$(GO) build -o $(BINARY) .

## run: install missing system packages, build, and start the app
run: deps build
	./$(BINARY) $(ARGS)

## deps: install the system packages needed to build and run (Debian/Ubuntu)
deps:
	sh scripts/install-deps.sh run

## clean: remove build outputs and test artifacts
clean:
	rm -f $(BINARY)
	rm -rf test-artifacts

## test: install the test stack (Xvfb, keyring, Dovecot, Postfix) and run every test
test:
	bash scripts/test.sh

.PHONY: bench bench-deps
## bench: run the benchmarks against the real mail stack (BENCH_N messages, default 100000); writes bench-results/
## (BENCH_RUN=REGEXP runs only the matching groups: imap neomutt pop3 smtp search message compose ui)
BENCH_RUN ?= .
bench: bench-deps
	GO=$(GO) $(GO) run ./bench -run '$(BENCH_RUN)'

## bench-deps: tools the benchmark compares against (NeoMutt, driven in tmux)
bench-deps:
	@command -v neomutt >/dev/null 2>&1 && command -v tmux >/dev/null 2>&1 || \
		(apt-get update && apt-get install -y neomutt tmux)

.PHONY: fuzz
## fuzz: run every fuzz target of mailcore for FUZZTIME each (default 2m)
fuzz:
	FUZZTIME=$${FUZZTIME:-2m} bash scripts/fuzz.sh

.PHONY: package install package-windows
# Packaging with Fyne's tool (fyne.io/tools v1.7.4, fetched by `go run`).
FYNE    ?= $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
VERSION ?= $(shell sed -n 's/^ *Version *= *"\(.*\)".*/\1/p' FyneApp.toml)

## package: Linux tarball dist/hongyan-VERSION-linux-ARCH.tar.xz (binary, desktop entry for mailto:, icons)
package:
	GO="$(GO)" FYNE="$(FYNE)" VERSION="$(VERSION)" sh packaging/linux/package.sh

## install: build the Linux package and install it for the current user (~/.local)
install: package
	sh dist/.build/linux/stage/hongyan/install.sh dist/.build/linux/stage/hongyan

## package-windows: cross-build dist/hongyan-VERSION-windows-amd64.exe with MinGW-w64 (icon and version embedded)
package-windows:
	GO="$(GO)" FYNE="$(FYNE)" VERSION="$(VERSION)" sh packaging/windows/package.sh
