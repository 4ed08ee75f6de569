#!/usr/bin/env bash
# `make demo`: a real end-to-end exam session from built-in test sources, as an instructor and a
# student would run it: keys, a signed exam, precheck, a recorded and sealed session, verification,
# delivery to a folder, and the instructor's export (PDF, JSON, CSV, media). Everything lands in demo/.
set -euo pipefail
PROCTOR=${PROCTOR:-.build/debug/proctor}
SECONDS_TO_RECORD=${DEMO_SECONDS:-15}
DEMO=${DEMO_DIR:-demo}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$DEMO"
mkdir -p "$DEMO"/{keys,sessions,inbox,report}
export PROCTOR_DATA_DIR="$DEMO/sessions" PROCTOR_EXAM_DIR="$DEMO"
# The demo key has a passphrase like a real one; PROCTOR_PASSPHRASE answers the prompt for scripts.
export PROCTOR_PASSPHRASE="demo passphrase, use your own"

step "Instructor: create a key pair"
"$PROCTOR" keygen --name instructor --out "$DEMO/keys"

step "Instructor: sign the exam settings into an exam file"
# The example settings, shortened to a demo: a 2-minute limit, a 3-second room scan, no screen
# (this machine has no display), delivery into a local folder standing in for the LMS share, and
# the built-in test sources allowed (a real exam refuses them; the report flags them as untrusted).
sed -e 's/^time_limit_minutes = .*/time_limit_minutes = 2/' \
    -e 's/^\[recording.camera\]/[recording]\nallow_test_sources = true\n\n[recording.camera]/' \
    -e 's|^submission = .*|submission = "'"$PWD/$DEMO/inbox"'"|' \
    -e 's/^room_scan_seconds = .*/room_scan_seconds = 3/' \
    -e '/^\[recording.screen\]/,/^$/ s/^enabled = true/enabled = false/' \
    docs/examples/chem101-midterm.toml > "$DEMO/chem101-midterm.toml"
"$PROCTOR" exam create --settings "$DEMO/chem101-midterm.toml" --key "$DEMO/keys/instructor.key" \
    --out "$DEMO/chem101-midterm.exam"

step "Student: what will be recorded"
"$PROCTOR" exam show chem101-midterm --student s2001

step "Student: precheck (self-test; this machine has no camera or microphone)"
"$PROCTOR" precheck --headless --exam chem101-midterm

step "Student: record ${SECONDS_TO_RECORD}s from the test camera and microphone"
"$PROCTOR" begin --exam chem101-midterm --student s2001 --camera test --mic test --screen none \
    --duration "$SECONDS_TO_RECORD" --accept
bundle=$(ls -t "$DEMO"/sessions/*.proctor 2>/dev/null | head -n 1)
[ -n "$bundle" ] || bundle=$(find "$DEMO/sessions" -name '*.proctor' -print -quit)

step "Student: submit (delivers to the exam's folder, with a receipt)"
"$PROCTOR" submit --bundle "$bundle" --exam chem101-midterm

step "Anyone: verify the sealed bundle without a key"
"$PROCTOR" verify "$bundle"

step "Instructor: export the delivered bundle"
delivered=$(find "$DEMO/inbox" -name '*.proctor' -print -quit)
"$PROCTOR" export "$delivered" --key "$DEMO/keys/instructor.key" --pdf --json --csv --media -o "$DEMO/report"

step "Done"
ls -l "$DEMO/report"
if command -v pdfinfo >/dev/null; then
    for pdf in "$DEMO"/report/*.pdf; do echo "$pdf: $(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}') pages"; done
fi
echo "Open the report: $DEMO/report/ (PDF, JSON, CSV, and .mkv with the flags as chapters)"
