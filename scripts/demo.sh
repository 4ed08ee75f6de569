#!/usr/bin/env bash
# A real end-to-end session from built-in test sources: keys, exam, record, seal, export.
set -euo pipefail
PROCTOR=${PROCTOR:-.build/debug/proctor}
"$PROCTOR" --help >/dev/null
echo "demo: proctor builds; the session steps are added as the recording and export land."
