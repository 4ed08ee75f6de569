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

# run_sampled OUT T0 T1 cmd...: like run_timed, and also reads the command's CPU time from
# /proc at T0 and T1 seconds after the start; OUT.rate gets "cpu_seconds_between wall_seconds_between".
# The difference is the per-second cost with the one-off start-up and ending left out.
run_sampled() {
    local out=$1 t0=$2 t1=$3; shift 3
    /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" &
    local timer=$! child="" start first=() last=()
    start=$(date +%s.%N)
    while [ -z "$child" ] && kill -0 "$timer" 2>/dev/null; do child=$(pgrep -P "$timer" | head -1 || true); sleep 0.05; done
    read -r -a first <<<"$(cpu_ticks_at "$start" "$t0" "$child")"
    read -r -a last <<<"$(cpu_ticks_at "$start" "$t1" "$child")"
    local status=0
    wait "$timer" || status=$?
    if [ "${#first[@]}" = 2 ] && [ "${#last[@]}" = 2 ]; then
        awk -v a="${first[0]}" -v b="${last[0]}" -v s="${first[1]}" -v e="${last[1]}" -v hz="$(getconf CLK_TCK)" \
            'BEGIN { printf "%.3f %.3f\n", (b - a) / hz, e - s }' >"$out.rate"
    else
        : >"$out.rate"
    fi
    return "$status"
}

# cpu_ticks_at START SECONDS PID: waits until SECONDS after START (epoch seconds), then prints
# PID's user + system clock ticks from /proc and the moment they were read; nothing once PID is gone.
cpu_ticks_at() {
    sleep "$(awk -v s="$1" -v t="$2" -v n="$(date +%s.%N)" 'BEGIN { d = s + t - n; print (d > 0 ? d : 0) }')"
    awk -v n="$(date +%s.%N)" '{ sub(/^.*\) /, ""); print $12 + $13, n }' "/proc/$3/stat" 2>/dev/null || true
}

# rate_per_second FILE.rate: CPU seconds per wall (= media) second between the two samples.
rate_per_second() { awk '{ if ($2 > 0) printf "%.4f", $1 / $2 }' "$1"; }

# cpu_seconds FILE: user + system seconds from a run_timed file.
cpu_seconds() { awk 'END { printf "%.3f", $2 + $3 }' "$1"; }
wall_seconds() { awk 'END { printf "%.3f", $1 }' "$1"; }
maxrss_mb() { awk 'END { printf "%.1f", $4 / 1024 }' "$1"; }

# first_error FILE: the one-line reason a step failed, for "not measured: <reason>".
first_error() { grep -m1 -v '^[[:space:]]*$' "$1" 2>/dev/null | cut -c1-160 || true; }

# start_display SIZE [changing]: an Xvfb display of SIZE (e.g. 1920x1080) with a grey picture,
# or with `changing` one whose whole picture changes colour once a second (xsetroot from another
# process). The server picks a free display number itself and writes it to fd 3, so it never
# races another X server starting. Sets BENCH_DISPLAY (":N"); stop_display ends it. Returns 1
# with DISPLAY_ERROR when Xvfb or xsetroot is missing or the server does not start in 30 s.
start_display() {
    local size=$1 mode=${2:-still} out=${WORK:-/tmp}/xvfb-$$ _
    command -v Xvfb >/dev/null || { DISPLAY_ERROR="Xvfb is not installed (make setup)"; return 1; }
    command -v xsetroot >/dev/null || { DISPLAY_ERROR="xsetroot is not installed (make setup)"; return 1; }
    Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp -noreset 3>"$out.display" >"$out.log" 2>&1 &
    DISPLAY_PIDS=$!
    for _ in $(seq 300); do [ -s "$out.display" ] && break; sleep 0.1; done
    BENCH_DISPLAY=:$(head -1 "$out.display" 2>/dev/null)
    for _ in $(seq 100); do xsetroot -display "$BENCH_DISPLAY" -solid gray 2>/dev/null && break; sleep 0.1; done
    if ! xsetroot -display "$BENCH_DISPLAY" -solid gray 2>/dev/null; then
        DISPLAY_ERROR="Xvfb did not start in 30 s: $(first_error "$out.log")"
        stop_display
        return 1
    fi
    [ "$mode" = changing ] || return 0
    ( colours=(gray navy darkgreen maroon white black) i=0
      while kill -0 "${DISPLAY_PIDS%% *}" 2>/dev/null; do
          xsetroot -display "$BENCH_DISPLAY" -solid "${colours[i % 6]}" 2>/dev/null || true
          i=$((i + 1)); sleep 1
      done ) &
    DISPLAY_PIDS="$DISPLAY_PIDS $!"
}

# shellcheck disable=SC2086
stop_display() { kill ${DISPLAY_PIDS:-} 2>/dev/null || true; DISPLAY_PIDS=; }

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
# "off" disables every detector. SCREEN_SETTINGS, when set, is the [recording.screen] table's body.
DETECTOR_SETTINGS="face_missing face_multiple gaze_away camera_blocked camera_frozen camera_lost scene_change
light_insufficient audio_speech audio_loud mic_silent display_extra program_forbidden vm_detected network_changed clock_jump
source_untrusted"
write_settings() {
    local file=$1 id=$2 detectors=$3 name
    cat >"$file" <<EOF
[exam]
id = "$id"
title = "Benchmark and fault-campaign exam"
time_limit_minutes = 180

# Scripted sessions record the lavfi test sources; a real exam refuses them (docs/exam-settings.md).
[recording]
allow_test_sources = true

[recording.camera]
width = ${CAMERA_SIZE%x*}
height = ${CAMERA_SIZE#*x}
fps = $CAMERA_FPS
bitrate_kbps = ${CAMERA_KBPS:-500}

[recording.microphone]
sample_rate = 48000
bitrate_kbps = 32

[recording.screen]
${SCREEN_SETTINGS:-enabled = false}

[verification]
id_photo = false
face_photo = false
room_scan_seconds = 0
EOF
    if [ "$detectors" = off ]; then
        for name in $DETECTOR_SETTINGS; do printf '\n[detectors.%s]\nenabled = false\n' "$name" >>"$file"; done
    fi
}

# record_command SECONDS [extra begin args...]: sets RECORD (SCREEN: the --screen source, default none) to the argv of one scripted session
# through `proctor begin` (an array, so it can run under run_timed or in the background).
# Needs setup_exam first.
record_command() {
    local seconds=$1; shift
    RECORD=("$PROCTOR" begin --exam "$EXAM_ID" --student "${STUDENT:-s1}" --camera test --mic test --screen "${SCREEN:-none}"
        --duration "$seconds" --accept "$@")
}

# newest_bundle DIR: the most recently written .proctor file under DIR.
newest_bundle() { find "$1" -name '*.proctor' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-; }
