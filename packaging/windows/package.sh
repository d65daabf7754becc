#!/bin/sh
# Cross-builds the Windows executable on Debian/Ubuntu with MinGW-w64.
# `fyne package -os windows` embeds the icon, the version information and
# the manifest as a resource and links a GUI (no console) executable.
#
# Usage: packaging/windows/package.sh   (from the repository root)
# Environment: GO, FYNE, VERSION, DIST as for the Linux package; CC.
set -eu

GO=${GO:-go}
FYNE=${FYNE:-"$GO run fyne.io/tools/cmd/fyne@v1.7.4"}
VERSION=${VERSION:-$(sed -n 's/^ *Version *= *"\(.*\)".*/\1/p' FyneApp.toml)}
DIST=${DIST:-dist}
CC=${CC:-x86_64-w64-mingw32-gcc}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo ">> installing the MinGW-w64 cross compiler"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update
	$sudo apt-get install -y gcc-mingw-w64-x86-64
fi

mkdir -p "$DIST"
rm -f hongyan.exe Hongyan.exe
# `go run` would build the packager itself with the Windows cross
# compiler; build it for this machine first.
case "$FYNE" in
"$GO run "*)
	bin=$(pwd)/$DIST/.build/bin
	GOBIN=$bin $GO install "${FYNE#"$GO run "}"
	FYNE=$bin/fyne
	;;
esac
# fyne package counts builds in FyneApp.toml; keep the tracked file as it is.
cp FyneApp.toml "${TMPDIR:-/tmp}/FyneApp.toml.$$"
trap 'cp "${TMPDIR:-/tmp}/FyneApp.toml.$$" FyneApp.toml; rm -f "${TMPDIR:-/tmp}/FyneApp.toml.$$"' EXIT
echo ">> fyne package -os windows (CC=$CC)"
CC=$CC CGO_ENABLED=1 $FYNE package -os windows --release --app-version "$VERSION"
exe=hongyan.exe
[ -f "$exe" ] || exe=Hongyan.exe
out="$DIST/hongyan-$VERSION-windows-amd64.exe"
mv "$exe" "$out"
echo ">> $out"
