#!/usr/bin/env bash
# `make fuzz`: builds every fuzz target (Sources/fuzz-*) with libFuzzer and AddressSanitizer in
# its own scratch path (.build-fuzz, so the normal build is untouched) and runs each for
# FUZZ_SECONDS, starting from its checked-in seeds (Tests/Fixtures/fuzz/NAME). Fails on any crash,
# leak, timeout or out-of-memory input, and says how to replay it.
#
#   FUZZ_SECONDS=20     per target (CI: a few seconds; by hand: hours)
#   FUZZ_TARGETS="fuzz-settings ..."   a subset
#   FUZZ_JOBS=1         parallel libFuzzer workers per target
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-20}
TARGETS=${FUZZ_TARGETS:-$(cd Sources && ls -d fuzz-* | tr '\n' ' ')}
SCRATCH=.build-fuzz ROOT=$PWD
# -DFUZZING makes FuzzDriver hand `main` to libFuzzer (Sources/FuzzSupport/FuzzDriver.swift).
FLAGS=(-c debug --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING)

BIN=$(swift build "${FLAGS[@]}" --show-bin-path)
failed=0
for target in $TARGETS; do
    echo "fuzz: building $target" >&2
    swift build "${FLAGS[@]}" --product "$target" 2>&1 | grep -E 'error:|Compiling|complete' >&2 || true
    [ -x "$BIN/$target" ] || { echo "fuzz: $target did not build" >&2; exit 70; }
    corpus=$SCRATCH/corpus/$target artifacts=$SCRATCH/artifacts/$target/
    mkdir -p "$corpus" "$artifacts"
    [ -d "Tests/Fixtures/fuzz/$target" ] && find "Tests/Fixtures/fuzz/$target" -type f ! -name README.md -exec cp -n {} "$corpus/" \;
    log=$SCRATCH/$target.log
    # The Swift runtime's backtracer would catch the crash signal before libFuzzer could save
    # the input; with it off, libFuzzer writes crash-*/timeout-*/oom-* under $artifacts.
    status=0 started=$SCRATCH/$target.started
    touch "$started"
    jobs=()
    [ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
    # From inside the scratch path: with -jobs, libFuzzer writes fuzz-N.log into the current folder.
    (cd "$SCRATCH" && SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1 "$BIN/$target" -max_total_time="$SECONDS_EACH" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "${jobs[@]}" \
        -artifact_prefix="$ROOT/$artifacts" "$ROOT/$corpus") >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{ s += $2 } END { print s + 0 }')
    crashes=$(find "$artifacts" -type f -newer "$started" | wc -l)
    echo "fuzz $target: runs=$runs seconds=$SECONDS_EACH corpus=$(ls "$corpus" | wc -l) crashes=$crashes exit=$status"
    if [ "$status" != 0 ] || [ "$crashes" != 0 ]; then
        failed=1
        grep -m5 -E 'ERROR|SUMMARY|Fatal error|Test unit written' "$log" >&2 || true
        echo "fuzz: replay with: swift build --product $target && .build/debug/$target $artifacts (log: $log)" >&2
    fi
done
exit $failed
