#!/usr/bin/env bash
# Debian packages the tests drive: headless Chromium (dashboard screenshots) and docker-compose 1.29, which
# parses the production compose file without a container engine. Installed only where missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v docker-compose >/dev/null || missing+=(docker-compose)
((${#missing[@]})) || exit 0
echo "installing Debian packages for the tests: ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
"${as_root[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q "${missing[@]}"
