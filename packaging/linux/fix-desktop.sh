#!/bin/sh
# Completes the desktop entry written by `fyne package`: Hongyan handles
# mailto: links and .eml files, takes one URL (%u), and belongs to the
# Network and Email categories. Idempotent.
#
# Usage: fix-desktop.sh FILE.desktop
set -eu
f=$1
[ -f "$f" ] || { echo "fix-desktop: $f not found" >&2; exit 1; }

tmp=$f.tmp
# Drop lines we rewrite, then add them back inside [Desktop Entry].
grep -v -e '^MimeType=' -e '^Categories=' -e '^Terminal=' -e '^StartupNotify=' "$f" |
	sed -e 's/^\(Exec=[^ ]*\).*/\1 %u/' >"$tmp"
awk '
	{ print }
	/^\[Desktop Entry\]$/ && !done {
		print "Categories=Network;Email;"
		print "MimeType=x-scheme-handler/mailto;message/rfc822;"
		print "Terminal=false"
		print "StartupNotify=true"
		done = 1
	}
' "$tmp" | cat -s >"$f"
rm -f "$tmp"
