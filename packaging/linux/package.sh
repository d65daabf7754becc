#!/bin/sh
# Builds the Linux tarball with Fyne's packager, then completes the desktop
# entry (mail MIME types, URL field code) and adds a per-user installer.
#
# Usage: packaging/linux/package.sh   (from the repository root)
# Environment: GO (go), FYNE (fyne command), VERSION (from FyneApp.toml),
#              DIST (dist), BUILD (dist/.build/linux)
set -eu

GO=${GO:-go}
FYNE=${FYNE:-"$GO run fyne.io/tools/cmd/fyne@v1.7.4"}
VERSION=${VERSION:-$(sed -n 's/^ *Version *= *"\(.*\)".*/\1/p' FyneApp.toml)}
DIST=${DIST:-dist}
BUILD=${BUILD:-dist/.build/linux}
APPID=org.hongyan.mail
ARCH=$($GO env GOARCH)

rm -rf "$BUILD"
mkdir -p "$BUILD" "$DIST"

echo ">> building hongyan $VERSION"
# No -trimpath: it would change every compile action and miss the build
# cache that ordinary builds and tests fill.
$GO build -ldflags "-s -w -X main.version=$VERSION" -o "$BUILD/hongyan" .

# fyne package counts builds in FyneApp.toml; keep the tracked file as it is.
cp FyneApp.toml "${TMPDIR:-/tmp}/FyneApp.toml.$$"
trap 'cp "${TMPDIR:-/tmp}/FyneApp.toml.$$" FyneApp.toml; rm -f "${TMPDIR:-/tmp}/FyneApp.toml.$$"' EXIT
echo ">> fyne package -os linux"
rm -f Hongyan.tar.xz
$FYNE package -os linux --release --exe "$BUILD/hongyan" --app-version "$VERSION"
mv Hongyan.tar.xz "$BUILD/fyne.tar.xz"

mkdir -p "$BUILD/stage"
tar -xJf "$BUILD/fyne.tar.xz" -C "$BUILD/stage"
root="$BUILD/stage/hongyan"
prefix="$root/usr/local"
[ -d "$prefix" ] || prefix="$root/usr"

sh packaging/linux/fix-desktop.sh "$prefix/share/applications/$APPID.desktop"
if command -v desktop-file-validate >/dev/null 2>&1; then
	desktop-file-validate "$prefix/share/applications/$APPID.desktop"
fi

# Themed icon in addition to Fyne's pixmaps copy.
install -Dm644 assets/icon.png "$prefix/share/icons/hicolor/512x512/apps/$APPID.png"
install -Dm644 assets/icon.svg "$prefix/share/icons/hicolor/scalable/apps/$APPID.svg"
install -m755 packaging/linux/install.sh "$root/install.sh"
cp packaging/README.md "$root/README-packaging.md"

out="$DIST/hongyan-$VERSION-linux-$ARCH.tar.xz"
tar -cJf "$out" -C "$BUILD/stage" hongyan
echo ">> $out"
