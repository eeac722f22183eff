#!/usr/bin/env bash
# Installs code-server (VS Code in the browser, from npm) into .cache/code-server,
# for the integration and UI tests and the demo on machines where VS Code desktop
# cannot be downloaded. Offline-safe: @vscode/ripgrep's download is served from a
# pre-seeded cache made of Debian's rg (see docs/testing.md).
# Needs, as root: apt-get install -y libkrb5-dev pkg-config ripgrep
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="${CODE_SERVER_VERSION:-4.100.3}"   # the last release that runs on Node 20 (VS Code 1.100)
dir="${CODE_SERVER_DIR:-$root/.cache/code-server}"
entry="$dir/node_modules/code-server/out/node/entry.js"

if [ -f "$entry" ] && grep -q "\"version\": \"$version\"" "$dir/node_modules/code-server/package.json"; then
  echo "code-server $version already in $dir"
  exit 0
fi
rg_bin="$(command -v rg || true)"
if [ -z "$rg_bin" ]; then
  echo "installCodeServer: ripgrep is missing (apt-get install -y ripgrep)" >&2
  exit 1
fi

seed="$(mktemp -d)"
trap 'rm -rf "$seed"' EXIT
# Seed every @vscode/ripgrep release code-server's range may resolve to.
for v in $(npm view "@vscode/ripgrep@^1.15.11" version --json 2>/dev/null | tr -d '[]",' ); do
  mkdir -p "$seed/vscode-ripgrep-cache-$v"
  tar -czf "$seed/vscode-ripgrep-cache-$v/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$rg_bin")" rg
done

mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"icl-lens-code-server","private":true}' > "$dir/package.json"
TMPDIR="$seed" npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --prefix "$dir" --no-audit --no-fund --no-save "code-server@$version"
test -f "$entry"
echo "code-server $version installed in $dir"
