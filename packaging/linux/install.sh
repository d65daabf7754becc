#!/bin/sh
# Installs Hongyan for the current user from an unpacked release:
# ~/.local/bin/hongyan, the desktop entry (registered for mailto: links)
# and the icons. Run it from the unpacked directory, or pass that
# directory. PREFIX defaults to ~/.local.
set -eu

src=${1:-$(dirname "$0")}
PREFIX=${PREFIX:-$HOME/.local}
APPID=org.hongyan.mail
usr="$src/usr/local"
[ -d "$usr" ] || usr="$src/usr"

install -Dm755 "$usr/bin/hongyan" "$PREFIX/bin/hongyan"
install -Dm644 "$usr/share/applications/$APPID.desktop" "$PREFIX/share/applications/$APPID.desktop"
# Desktop environments may not have ~/.local/bin on their PATH.
sed -i "s|^Exec=[^ ]*|Exec=$PREFIX/bin/hongyan|" "$PREFIX/share/applications/$APPID.desktop"
for d in "$usr"/share/icons/hicolor/*/apps; do
	size=$(basename "$(dirname "$d")")
	for icon in "$d"/*; do
		install -Dm644 "$icon" "$PREFIX/share/icons/hicolor/$size/apps/$(basename "$icon")"
	done
done

if command -v update-desktop-database >/dev/null 2>&1; then
	update-desktop-database "$PREFIX/share/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
	gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
fi
echo "Hongyan installed in $PREFIX/bin/hongyan"
