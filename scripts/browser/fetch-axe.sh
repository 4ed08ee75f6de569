#!/usr/bin/env bash
# Puts axe-core's axe.min.js (Deque, MPL-2.0), as the pinned, SHA-256 checked PyPI wheel
# `axe-core-python` ships it, into DIR for the browser tests' accessibility checks. Called by
# `make setup`; only tests use it, and proctor's pages never load it.
# Usage: fetch-axe.sh WHEEL-FILE-NAME SHA256 DIR
set -euo pipefail
wheel=$1 sha=$2 dir=$3
[ -f "$dir/axe.min.js" ] && [ -f "$dir/.sha256" ] && [ "$(cat "$dir/.sha256")" = "$sha" ] && exit 0
version=$(echo "$wheel" | cut -d- -f2)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Fetching axe-core from PyPI: axe-core-python $version"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "axe-core-python==$version"
got=$(sha256sum "$work/$wheel" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "error: $wheel has SHA-256 $got, expected $sha; not installed" >&2
  exit 1
fi
python3 -m zipfile -e "$work/$wheel" "$work/x"
rm -rf "$dir"
mkdir -p "$dir"
cp "$work/x/axe_core_python/axe.min.js" "$dir/"
cp "$work/x/axe_core_python-$version.dist-info/LICENSE" "$dir/LICENSE.axe-core-python"
echo "$sha" > "$dir/.sha256"
