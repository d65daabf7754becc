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
