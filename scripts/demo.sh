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

step "Institution: start a collection server on loopback (docs/server.md)"
# Embedded defaults plus the instructor as a trusted publisher; port 0 picks a free port.
mkdir -p "$DEMO/server"
printf '[listen]\nport = 0\n\n[storage]\ndata_dir = "data"\n\n[trust]\ninstructors = ["%s"]\n' \
    "$(cat "$DEMO/keys/instructor.pub")" > "$DEMO/server/serve.toml"
"$PROCTOR" serve --config "$DEMO/server/serve.toml" > "$DEMO/server/stdout" 2> "$DEMO/server/log" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ "$(wc -l < "$DEMO/server/stdout")" -ge 2 ] && break; sleep 0.1; done
url=$(sed -n 's|.*listening on \(http://[^ ]*\) .*|\1|p' "$DEMO/server/stdout")
server_key=$(sed -n 2p "$DEMO/server/stdout")
echo "server $url, key $server_key"

step "Instructor: an exam that names the server, published with a roster of one"
sed -e 's/^id = .*/id = "chem101-served"/' "$DEMO/chem101-midterm.toml" > "$DEMO/chem101-served.toml"
printf '\n[server]\nurl = "%s"\nkey = "%s"\ncheckpoint_seconds = 2\n' "$url" "$server_key" >> "$DEMO/chem101-served.toml"
"$PROCTOR" exam create --settings "$DEMO/chem101-served.toml" --key "$DEMO/keys/instructor.key" --out "$DEMO/chem101-served.exam"
code=$("$PROCTOR" exam roster chem101-served --student s2001 --out "$DEMO/chem101-served.roster.json" | cut -f2)
"$PROCTOR" exam publish chem101-served --key "$DEMO/keys/instructor.key" --roster "$DEMO/chem101-served.roster.json"

step "Student: record under a ticket with live checkpoints, then submit to the server"
served_sessions="$DEMO/served-sessions"
PROCTOR_DATA_DIR="$served_sessions" PROCTOR_ENROLMENT_CODE="$code" "$PROCTOR" begin --exam chem101-served --student s2001 \
    --camera test --mic test --screen none --duration "$SECONDS_TO_RECORD" --accept
served=$(find "$served_sessions" -name '*.proctor' -print -quit)
PROCTOR_DATA_DIR="$served_sessions" "$PROCTOR" submit --bundle "$served"

step "Instructor: export the bundle the server received: attested"
received=$(find "$DEMO/server/data/bundles" -name '*.proctor' -print -quit)
"$PROCTOR" export "$received" --key "$DEMO/keys/instructor.key" --pdf --json -o "$DEMO/report-served"
grep -o '"originLine" *: *"[^"]*"' "$DEMO"/report-served/*.json
grep -q '"originLine" *: *"ORIGIN ATTESTED: attested by' "$DEMO"/report-served/*.json || { echo "the export is not attested" >&2; exit 1; }

step "Done"
ls -l "$DEMO/report"
if command -v pdfinfo >/dev/null; then
    for pdf in "$DEMO"/report/*.pdf; do echo "$pdf: $(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}') pages"; done
fi
echo "Open the report: $DEMO/report/ (PDF, JSON, CSV, and .mkv with the flags as chapters)"
