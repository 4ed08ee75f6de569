# Shared by scripts/bench.sh and scripts/faults/*.sh: run the real `proctor` binary the way a
# user would, time it, and set up a throw-away instructor key and signed exam.
# Sourced, not executed. Needs: PROCTOR (path to the binary).

PROCTOR=${PROCTOR:-.build/debug/proctor}
[ -x "$PROCTOR" ] || { echo "proctor binary not found at $PROCTOR (build first)" >&2; exit 66; }
PROCTOR=$(cd "$(dirname "$PROCTOR")" && pwd)/$(basename "$PROCTOR")
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The recording teammate's encoder settings (Sources/Encode/Pipeline/RecordingSettings.swift,
# VideoEncoder.swift, AudioEncoder.swift): libx264 veryfast + zerolatency, no B-frames, a
# keyframe every 2 s, 500 kbit/s; libopus 32 kbit/s mono 48 kHz. The ffmpeg baseline and the
# generated bundles use the same settings so that like is compared with like.
CAMERA_SIZE=640x480
CAMERA_FPS=30
FFMPEG_VIDEO_ARGS=(-c:v libx264 -preset veryfast -tune zerolatency -g $((2 * CAMERA_FPS)) -bf 0 -b:v 500k -pix_fmt yuv420p)
FFMPEG_AUDIO_ARGS=(-c:a libopus -b:a 32k -ac 1 -ar 48000)
LAVFI_CAMERA="testsrc2=size=${CAMERA_SIZE}:rate=${CAMERA_FPS}"
LAVFI_MIC="sine=frequency=440:sample_rate=48000"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# run_timed OUT cmd...: runs cmd; OUT gets "wall user sys maxrss_kb" from getrusage of the child
# (GNU time), whatever the exit status. Returns the command's status.
run_timed() {
    local out=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$out" "$@"
}

# cpu_seconds FILE: user + system seconds from a run_timed file.
cpu_seconds() { awk 'END { printf "%.3f", $2 + $3 }' "$1"; }
wall_seconds() { awk 'END { printf "%.3f", $1 }' "$1"; }
maxrss_mb() { awk 'END { printf "%.1f", $4 / 1024 }' "$1"; }

# first_error FILE: the one-line reason a step failed, for "not measured: <reason>".
first_error() { grep -m1 -v '^[[:space:]]*$' "$1" 2>/dev/null | cut -c1-160 || true; }

# setup_exam DIR [detectors=on|off]: an instructor key without passphrase and a signed exam in DIR.
# Sets KEY (NAME.key), PUB, EXAM (ID.exam) and EXAM_ID; exports PROCTOR_EXAM_DIR and
# PROCTOR_DATA_DIR (sessions under DIR/sessions) so `begin --exam ID` finds them.
# On failure returns 1 with SETUP_ERROR saying which step failed and why.
setup_exam() {
    local dir=$1 detectors=${2:-on}
    mkdir -p "$dir/sessions"
    KEY=$dir/bench.key PUB=$dir/bench.pub SETUP_ERROR=
    if [ ! -f "$KEY" ] && ! "$PROCTOR" keygen --name bench --no-passphrase --out "$dir" >"$dir/keygen.log" 2>&1; then
        SETUP_ERROR="proctor keygen: $(first_error "$dir/keygen.log")"
        return 1
    fi
    EXAM_ID=bench-$detectors
    EXAM=$dir/$EXAM_ID.exam
    write_settings "$dir/$EXAM_ID.toml" "$EXAM_ID" "$detectors"
    if ! "$PROCTOR" exam create --settings "$dir/$EXAM_ID.toml" --key "$KEY" --out "$EXAM" --force >"$dir/exam.log" 2>&1; then
        SETUP_ERROR="proctor exam create: $(first_error "$dir/exam.log")"
        return 1
    fi
    export PROCTOR_EXAM_DIR=$dir PROCTOR_DATA_DIR=$dir/sessions
}

# write_settings FILE ID on|off: exam settings for scripted sessions (docs/exam-settings.md):
# the camera at the size, rate and bitrate the ffmpeg baseline uses, no screen, no photos and no
# room scan, so that a recording's CPU and media time are the steady state being measured.
# "off" disables every detector.
DETECTOR_SETTINGS="face_missing face_multiple gaze_away camera_blocked camera_frozen camera_lost scene_change
light_insufficient audio_speech audio_loud mic_silent display_extra program_forbidden vm_detected network_changed clock_jump"
write_settings() {
    local file=$1 id=$2 detectors=$3
    cat >"$file" <<EOF
[exam]
id = "$id"
title = "Benchmark and fault-campaign exam"
time_limit_minutes = 180

[recording.camera]
width = ${CAMERA_SIZE%x*}
height = ${CAMERA_SIZE#*x}
fps = $CAMERA_FPS
bitrate_kbps = ${CAMERA_KBPS:-500}

[recording.microphone]
sample_rate = 48000
bitrate_kbps = 32

[recording.screen]
enabled = false

[verification]
id_photo = false
face_photo = false
room_scan_seconds = 0
EOF
    if [ "$detectors" = off ]; then
        for name in $DETECTOR_SETTINGS; do printf '\n[detectors.%s]\nenabled = false\n' "$name" >>"$file"; done
    fi
}

# record_command SECONDS [extra begin args...]: sets RECORD to the argv of one scripted session
# through `proctor begin` (an array, so it can run under run_timed or in the background).
# Needs setup_exam first.
record_command() {
    local seconds=$1; shift
    RECORD=("$PROCTOR" begin --exam "$EXAM_ID" --student "${STUDENT:-s1}" --camera test --mic test --screen none
        --duration "$seconds" --accept "$@")
}

# newest_bundle DIR: the most recently written .proctor file under DIR.
newest_bundle() { find "$1" -name '*.proctor' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-; }
