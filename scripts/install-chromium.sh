#!/usr/bin/env bash
# Makes sure /usr/bin/chromium exists, for the browser tests. Installs the
# Debian package "chromium" with apt-get when it is missing (as root, or
# through sudo otherwise). Does nothing when Chromium is already there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
	echo "install-chromium: $CHROMIUM not found; installing the Debian package chromium"
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "install-chromium: apt-get not found: install Chromium by hand so that $CHROMIUM exists" >&2
		exit 1
	fi
	SUDO=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "install-chromium: not root and sudo is missing: run this script as root" >&2
			exit 1
		fi
		SUDO=(sudo)
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Wait for another apt run (e.g. unattended upgrades) instead of failing.
	APT_OPTS=(-o DPkg::Lock::Timeout=600)
	"${SUDO[@]}" apt-get "${APT_OPTS[@]}" update
	"${SUDO[@]}" apt-get "${APT_OPTS[@]}" install -y chromium
fi

if [ ! -x "$CHROMIUM" ]; then
	echo "install-chromium: $CHROMIUM is still missing after apt-get install chromium" >&2
	exit 1
fi
# Debian's wrapper script may print a harmless "unexpected operator" line.
echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM (version unknown)")"
