#!/usr/bin/env bash
# `make faults`: the long fault campaigns, one after another (about half an hour on 2 cores).
# The short versions run in `make test` (Tests/CLITests/FaultCampaign*.swift).
#   FAULT_KILLS=50  FAULT_FLIPS=10000   campaign sizes
set -uo pipefail
cd "$(dirname "$0")/../.."
failed=0
summaries=()
for campaign in "kill9.sh ${FAULT_KILLS:-50}" "bitflip.sh ${FAULT_FLIPS:-10000}" "diskfull.sh"; do
    set -- $campaign
    echo "== $campaign" >&2
    out=$(bash "scripts/faults/$1" "${@:2}") || failed=1
    echo "$out"
    summaries+=("$(tail -1 <<<"$out")")
done
echo
printf '%s\n' "${summaries[@]}"
exit $failed
