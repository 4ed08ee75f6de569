#!/bin/sh
# Rebuilds docs/test-vectors with the built proctor: a new key, exam file and a two-second
# recording, then the expected outputs. With --outputs-only, keeps the key, exam file and bundle
# and only rewrites verify.json and export.json (after a deliberate change to what verify or
# export print). CLITests/TestVectorTests checks the files against the binary.
# Usage: docs/test-vectors/regenerate.sh [--outputs-only] [path/to/proctor]  (default .build/debug/proctor)
set -eu
outputs_only=0
if [ "${1:-}" = "--outputs-only" ]; then outputs_only=1; shift; fi
binary=${1:-.build/debug/proctor}
proctor=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here"
export PROCTOR_PASSPHRASE="$(head -n 1 passphrase.txt)"
if [ $outputs_only = 0 ]; then
    rm -f vector.key vector.pub vector-exam.exam vector.proctor
    "$proctor" keygen --name vector --out "$here" >/dev/null
    "$proctor" exam create --settings vector.toml --key vector.key --out vector-exam.exam >/dev/null
    # XChaCha20-Poly1305 so that any CPU (and any libsodium) can read the vector.
    PROCTOR_CIPHER=xchacha20poly1305 PROCTOR_DATA_DIR="$work/sessions" HOME="$work" \
        "$proctor" begin --exam vector-exam.exam --student s0000001 --camera test --mic test --screen none \
        --duration 2 --accept >/dev/null 2>&1
    mv "$work"/sessions/*.proctor vector.proctor
fi
chmod 600 vector.key
"$proctor" verify vector.proctor --key vector.key --json > verify.json
PROCTOR_EXAM_DIR="$here" "$proctor" export vector.proctor --key vector.key --json -o "$work/out" >/dev/null
cp "$work"/out/*.json export.json
