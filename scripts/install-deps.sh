#!/bin/sh
# Installs the system packages Hongyan needs, and only those that are missing.
#
#   scripts/install-deps.sh run    build and run the GUI (C compiler, OpenGL/X11
#                                  headers for Fyne, a CJK font)
#   scripts/install-deps.sh test   the above plus what the tests start: Xvfb,
#                                  D-Bus and gnome-keyring, Dovecot, Postfix,
#                                  ImageMagick, xdotool, openssl
#
# Debian and Ubuntu are handled automatically; elsewhere the script lists what
# to install and exits 1.
set -eu

RUN_PKGS="gcc pkg-config libgl1-mesa-dev xorg-dev libxkbcommon-dev fonts-noto-cjk"
TEST_PKGS="$RUN_PKGS xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix imagemagick xdotool desktop-file-utils openssl ca-certificates"
GO_NEEDED="1.26"

usage() {
	echo "usage: $0 run|test" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case "$1" in
run) PKGS=$RUN_PKGS ;;
test) PKGS=$TEST_PKGS ;;
*) usage ;;
esac

check_go() {
	if ! command -v go >/dev/null 2>&1; then
		echo "Go $GO_NEEDED or newer is needed and 'go' is not on PATH." >&2
		return 1
	fi
	have=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
	major=${have%%.*}
	rest=${have#*.}
	minor=${rest%%.*}
	case "$major.$minor" in
	*[!0-9.]* | .*) echo "Could not read the Go version ('$have'); Go $GO_NEEDED or newer is needed." >&2; return 1 ;;
	esac
	if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 26 ]; }; then
		echo "Go $have found; Go $GO_NEEDED or newer is needed." >&2
		return 1
	fi
	return 0
}

if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
	echo "This is not a Debian/Ubuntu system, so packages cannot be installed automatically." >&2
	echo "Install the equivalents of these Debian packages with your package manager:" >&2
	for p in $PKGS; do echo "  $p" >&2; done
	if [ "$1" = run ]; then
		echo "Hongyan also needs Go $GO_NEEDED or newer (https://go.dev/dl/)." >&2
		if command -v go >/dev/null 2>&1; then
			echo "Found: $(go version)" >&2
		else
			echo "No 'go' command was found on PATH." >&2
		fi
	fi
	exit 1
fi

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO="sudo"
		else
			echo "Missing packages:$missing" >&2
			echo "Run this script as root (sudo is not installed)." >&2
			exit 1
		fi
	fi
	echo "Installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	case " $missing " in
	*" postfix "*)
		# Postfix asks how to configure itself; the tests write their own
		# configuration, so install it unconfigured.
		echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
		;;
	esac
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
else
	echo "All $1 packages are installed."
fi

if [ "$1" = run ] && ! check_go; then
	exit 1
fi
