#!/usr/bin/env bash
# Everything the VS Code tests and the demo need besides npm packages: Debian's
# chromium, ripgrep and code-server's build prerequisites (installed with apt when
# running as root), then code-server itself (scripts/vscode/installCodeServer.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
for pkg in libkrb5-dev pkg-config; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
bash "$here/installCodeServer.sh"
