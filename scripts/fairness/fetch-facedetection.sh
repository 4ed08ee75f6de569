#!/usr/bin/env bash
# Puts libfacedetection.so from a pinned, SHA-256 checked `yuface` wheel (PyPI) into DIR, in the
# wheel's own layout (yuface/ and yuface.libs/, so the library's $ORIGIN RPATH finds its libgomp),
# with its LICENSE. Called by `make setup`; proctor never downloads anything at run time.
# Usage: fetch-facedetection.sh WHEEL-FILE-NAME SHA256 DIR
set -euo pipefail
wheel=$1 sha=$2 dir=$3
[ -f "$dir/yuface/libfacedetection.so" ] && [ -f "$dir/.sha256" ] && [ "$(cat "$dir/.sha256")" = "$sha" ] && exit 0
version=$(echo "$wheel" | cut -d- -f2)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Fetching libfacedetection from PyPI: yuface $version"
# The wheel's tags pin the exact file; --no-deps because only its shared library is used.
python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
  --python-version 3.11 --implementation cp --abi cp311 --dest "$work" "yuface==$version"
got=$(sha256sum "$work/$wheel" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "error: $wheel has SHA-256 $got, expected $sha; not installed" >&2
  exit 1
fi
python3 -m zipfile -e "$work/$wheel" "$work/x"
rm -rf "$dir"
mkdir -p "$dir/yuface" "$dir/yuface.libs"
cp "$work/x/yuface/libfacedetection.so" "$dir/yuface/"
cp "$work"/x/yuface.libs/* "$dir/yuface.libs/"
cp "$work/x/yuface-$version.dist-info/LICENSE" "$dir/LICENSE"
echo "$sha" > "$dir/.sha256"
