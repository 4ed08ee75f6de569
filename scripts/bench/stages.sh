# Sourced by scripts/bench.sh: `BENCH_ONLY=stages`, the deterministic cost of each stage.
#
# Each stage of the pipeline runs on fixed input (`proctor bench-stage`, unpaced, no capture
# threads) under `valgrind --tool=callgrind`, which counts instructions rather than seconds: the
# count repeats from run to run whatever else the machine does. Each stage runs twice, for a
# short and a long stretch of media, and the row is the difference divided by the difference in
# media seconds: instructions per media second of the steady state, with start-up (loading the
# binary, models, opening the codec) cancelled out. The encode row is compared with the ffmpeg
# CLI encoding the same frames with the same settings, measured the same way.
#
# valgrind 3.19 cannot read the debug info Swift 6.3 writes and crashes in Swift's async
# runtime, so the stages run from a copy of the binary without debug info, as a plain
# (synchronous) subcommand.

STAGE_SHORT=${BENCH_STAGE_SHORT:-4}
STAGE_LONG=${BENCH_STAGE_LONG:-12}

# callgrind_count OUT cmd...: the instructions the command executed (all threads), or empty.
callgrind_count() {
    local out=$1; shift
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >"$out.log" 2>&1 || { echo ""; return; }
    awk '/Collected :/ { print $NF }' "$out.log" | tail -1
}

# per_media_second SHORT_COUNT LONG_COUNT: marginal instructions per media second, in millions.
per_media_second() {
    awk -v a="$1" -v b="$2" -v s="$STAGE_SHORT" -v l="$STAGE_LONG" \
        'BEGIN { if (a == "" || b == "") exit; printf "%.1f", (b - a) / (l - s) / 1e6 }'
}

bench_stages() {
    if ! command -v valgrind >/dev/null; then
        not_measured stages "cost per stage" "none (for the record)" "valgrind is not installed"
        return
    fi
    local bin=$WORK/proctor-nodebug frames=$WORK/stage-frames.nut face=$REPO_ROOT/Tests/Fixtures/faces/grace_hopper.jpg
    cp "$PROCTOR" "$bin" && strip --strip-debug "$bin"
    # The example exam's camera (docs/examples/chem101-midterm.toml): 640x480 at 15 fps, as raw
    # frames so that reading them costs the same small amount in both programs.
    ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=640x480:rate=15" -t "$((STAGE_LONG + 1))" \
        -c:v rawvideo -pix_fmt yuv420p -y "$frames"
    [ -f "$face" ] || face=$(ls "$REPO_ROOT"/Tests/Fixtures/faces/*.jpg | head -1)
    # A model cache of the stages' own, warmed first, as a student's precheck does.
    "$bin" bench-stage faces --seconds 1 --input "$face" >/dev/null 2>&1 || true
    local stage input short long rate unit
    for stage in encode scale seal faces camera audio preview; do
        input=$frames
        [ "$stage" = faces ] && input=$face
        log "stages: $stage under callgrind (${STAGE_SHORT} s and ${STAGE_LONG} s of media)"
        short=$(callgrind_count "$WORK/stage-$stage-short" "$bin" bench-stage "$stage" --seconds "$STAGE_SHORT" --input "$input")
        long=$(callgrind_count "$WORK/stage-$stage-long" "$bin" bench-stage "$stage" --seconds "$STAGE_LONG" --input "$input")
        rate=$(per_media_second "$short" "$long")
        if [ -z "$rate" ]; then
            not_measured "stage_$stage" "instructions: $stage" "none (for the record)" "$(first_error "$WORK/stage-$stage-long.log")"
            continue
        fi
        eval "STAGE_$stage=$rate"
        case $stage in
            encode) continue ;;  # its row comes with the ffmpeg baseline below
            faces) unit="1 sample/s" ;;
            camera) unit="2 samples/s" ;;
            audio) unit="100 blocks/s" ;;
            scale) unit="2 pictures/s" ;;
            preview) unit="student page, 2 JPEGs/s" ;;
            seal) unit="66.5 kB/s" ;;
        esac
        row "stage_$stage" "instructions: $stage ($unit)" "M/media s" "$rate" "" "" "none (for the record)" "INFO" \
            "callgrind, (count at ${STAGE_LONG} s - count at ${STAGE_SHORT} s) / $((STAGE_LONG - STAGE_SHORT)) s"
    done
    if [ -n "${STAGE_encode:-}" ]; then
        log "stages: the same encode by the ffmpeg CLI under callgrind"
        local args=(-nostdin -loglevel error -i "$frames" -c:v libx264 -preset veryfast -tune zerolatency -g 30 -bf 0
            -b:v 500k -pix_fmt yuv420p -f matroska -y /dev/null)
        short=$(callgrind_count "$WORK/stage-ffmpeg-short" ffmpeg -t "$STAGE_SHORT" "${args[@]}")
        long=$(callgrind_count "$WORK/stage-ffmpeg-long" ffmpeg -t "$STAGE_LONG" "${args[@]}")
        rate=$(per_media_second "$short" "$long")
        row stage_encode "instructions: encode (640x480@15, x264)" "M/media s" "$STAGE_encode" "$rate" \
            "$(ratio "$STAGE_encode" "$rate")" "none (for the record)" "INFO" \
            "baseline: ffmpeg CLI, same raw frames and x264 settings; callgrind, marginal count per media second"
    fi
}
