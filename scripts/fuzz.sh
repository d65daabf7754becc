#!/usr/bin/env bash
# Runs every fuzz target of mailcore for a bounded time each
# (FUZZTIME, default 10s). Seed corpora are committed under each package's
# testdata/fuzz; new failing inputs are written there by `go test` and make
# this script fail. `make fuzz` runs it with a longer time, scripts/test.sh
# with a short one.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10s}
targets=$(grep -rl --include='*_test.go' '^func Fuzz' mailcore | sort)
if [ -z "$targets" ]; then
	echo "no fuzz targets found" >&2
	exit 1
fi
status=0
for file in $targets; do
	pkg=./$(dirname "$file")
	for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
		echo "== fuzz $pkg $name ($FUZZTIME)"
		if ! go test -run '^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg"; then
			echo "fuzz target $name in $pkg failed; the input is under $pkg/testdata/fuzz/$name" >&2
			status=1
		fi
	done
done
exit $status
