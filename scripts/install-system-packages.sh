#!/usr/bin/env bash
# Debian packages the test suite needs: a real PostgreSQL server (multi-worker sweeps) and a
# Devanagari font (report images, web pages) and Chromium (the serving tests drive it headless through Playwright,
# never downloading a browser of their own). Installs only what is missing; needs root or sudo.
set -euo pipefail
packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
fc-list 2>/dev/null | grep -qi "Noto Sans Devanagari" || packages+=(fonts-noto-core fontconfig)
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ ${#packages[@]} -eq 0 ] && exit 0
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "installing Debian packages: ${packages[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
