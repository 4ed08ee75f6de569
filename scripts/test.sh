#!/usr/bin/env bash
# `make test`, `make test-unit`, `make test-integration`: runs XCTest in one or two stages and
# closes the output as `swift test` itself would, so a CI log reader needs nothing new:
#   == failures ==   every failing test and assertion, repeated from the full log
#   Executed N tests, with M failures (U unexpected) in T (T) seconds   (both stages together)
#
# usage: scripts/test.sh unit|integration|all PATTERN...
# The PATTERNs (regular expressions over `Target.Class/test`, kept in the Makefile) name the
# integration tests; unit tests are all the others, so the two stages together run every
# test exactly once. Full logs: .build/test.log (.build/test-unit.log, .build/test-integration.log).
set -uo pipefail
mode=${1:?usage: scripts/test.sh unit|integration|all PATTERN...}
shift
swift=${SWIFT:-swift}
read -r -a flags <<< "${BUILD_FLAGS:-}"
skip=() filter=()
for pattern in "$@"; do skip+=(--skip "$pattern"); filter+=(--filter "$pattern"); done
case $mode in
  unit) stages=(unit) ;;
  integration) stages=(integration) ;;
  all) stages=(unit integration) ;;
  *) echo "usage: scripts/test.sh unit|integration|all PATTERN..." >&2; exit 64 ;;
esac

mkdir -p .build
log=.build/test.log
: > "$log"
status=0 tests=0 skipped=0 failures=0 unexpected=0 seconds=0 built="" started=""
for stage in "${stages[@]}"; do
  stage_log=.build/test-$stage.log
  if [ "$stage" = unit ]; then selection=("${skip[@]}"); else selection=("${filter[@]}"); fi
  echo "== $stage tests ==" | tee -a "$log"
  # The first stage builds; the second runs what it built.
  "$swift" test --disable-swift-testing $built "${flags[@]}" "${selection[@]}" 2>&1 | tee "$stage_log"
  stage_status=${PIPESTATUS[0]}
  cat "$stage_log" >> "$log"
  [ "$stage_status" = 0 ] || status=$stage_status
  if ! grep -q "^Test Suite '" "$stage_log"; then
    echo "== $stage tests did not start (build failed?): later stages skipped ==" | tee -a "$log"
    break
  fi
  built=--skip-build started=yes
  if [ "$stage" = unit ]; then
    # The unit stage stays fast only if slow tests move to the Makefile's list: name them.
    sed -nE "s/^Test Case '(.*)' (passed|failed) \(([0-9.]+) seconds\)$/\3 \1/p" "$stage_log" |
      awk -v limit="${UNIT_TEST_SECONDS:-3}" '$1 > limit { printf "note: unit test %s took %s s (over %s s: an integration test? INTEGRATION_TESTS in the Makefile)\n", $2, $1, limit }' |
      tee -a "$log"
  fi
  # XCTest's own total for the stage: the line after the top suite's end.
  total=$(grep -A1 -E "^Test Suite '(All|Selected) tests' (passed|failed)" "$stage_log" | grep -E 'Executed [0-9]+ tests' | tail -1)
  # With skipped tests XCTest says "Executed 207 tests, with 2 tests skipped and 0 failures (...)".
  if [[ $total =~ Executed\ ([0-9]+)\ tests?,\ with\ (([0-9]+)\ tests?\ skipped\ and\ )?([0-9]+)\ failures?\ \(([0-9]+)\ unexpected\)\ in\ ([0-9.]+) ]]; then
    tests=$((tests + BASH_REMATCH[1])); skipped=$((skipped + ${BASH_REMATCH[3]:-0}))
    failures=$((failures + BASH_REMATCH[4])); unexpected=$((unexpected + BASH_REMATCH[5]))
    seconds=$(awk -v a="$seconds" -v b="${BASH_REMATCH[6]}" 'BEGIN { printf "%.3f", a + b }')
  else
    # The test process died (a crash, a fatalError): count what finished, and the test that
    # was running when it died as one more failure.
    finished=$(grep -cE "^Test Case '.*' (passed|failed) \(" "$stage_log")
    failed=$(grep -cE "^Test Case '.*' failed \(" "$stage_log")
    tests=$((tests + finished + 1)); failures=$((failures + failed + 1)); unexpected=$((unexpected + 1))
    running=$(grep -E "^Test Case '.*' started" "$stage_log" | tail -1 | sed -E "s/^Test Case '(.*)' started.*/\1/")
    echo "scripts/test.sh: Test Case '${running:-?}' failed: the test process died while it ran" | tee -a "$log"
    [ "$status" != 0 ] || status=1
  fi
done

echo "== failures (full log: $log) =="
grep -E ': error: |error: (fatalError|Exited)|Fatal error|Test Case .* failed' "$log" || echo "none"
# The fairness evaluation says when it could not run (no LFW photos, no AVX2) and what a sample cost.
grep -E '^FAIRNESS (SKIPPED|CPU per sample)' "$log" || true
# No summary when no test ran (the build failed): XCTest would print none either.
# XCTest's words: "1 test", "1 failure".
if [ -n "$started" ]; then
  skips=""
  [ "$skipped" = 0 ] || skips="$skipped test$([ "$skipped" = 1 ] || echo s) skipped and "
  printf '\t Executed %d test%s, with %s%d failure%s (%d unexpected) in %s (%s) seconds\n' \
    "$tests" "$([ "$tests" = 1 ] || echo s)" "$skips" "$failures" "$([ "$failures" = 1 ] || echo s)" "$unexpected" "$seconds" "$seconds"
fi
exit "$status"
