#!/usr/bin/env bash
# The whole test suite, as `make test` runs it: formatting, vet, the engine
# under the race detector, then every package with a virtual display and a
# session bus holding an unlocked Secret Service (gnome-keyring).
#
# Tests start their own Dovecot and Postfix (internal/mailtest); this script
# only makes sure the programs are installed and provides the display and
# the keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh test

export CGO_ENABLED=1
mkdir -p test-artifacts

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== mailcore imports no fyne package"
if go list -deps ./mailcore/... | grep -q '^fyne.io/'; then
	echo "mailcore must not import fyne" >&2
	exit 1
fi

# Run the given command inside a private session bus with an unlocked
# gnome-keyring and a virtual X display.
inner=$(mktemp)
trap 'rm -f "$inner"' EXIT
cat >"$inner" <<'INNER'
set -euo pipefail
# A fresh keyring directory so that the suite never touches a user's real
# keyring and the login collection is created unlocked.
export XDG_DATA_HOME=$(mktemp -d)
export HOME_KEYRING_PASSWORD=hongyan-test-keyring
printf '%s' "$HOME_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Pick a free display number.
disp=90
while [ -e /tmp/.X11-unix/X$disp ] || [ -e /tmp/.X$disp-lock ]; do disp=$((disp + 1)); done
Xvfb :$disp -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
export DISPLAY=:$disp
for _ in $(seq 50); do [ -e /tmp/.X11-unix/X$disp ] && break; sleep 0.1; done

echo "== go test -race ./mailcore/..."
go test -race -count=1 -timeout 15m ./mailcore/...
echo "== fuzz targets, briefly (make fuzz runs them longer)"
FUZZTIME=${FUZZTIME:-5s} bash scripts/fuzz.sh
echo "== go test ./... (everything else; mailcore ran above with -race)"
go test -count=1 -timeout 15m $(go list ./... | grep -v '/mailcore/' | grep -v '/mailcore$')
INNER
dbus-run-session -- bash "$inner"
