#!/usr/bin/env bash
# The verdict of gpu/device-check.sh, from what it ran:
#   bash gpu/device-verdict.sh JUNIT_EXIT REPORT_EXIT REPORT_MD
# Passes (exit 0, "verdict: all passed") only when the JUnit run passed, DeviceReport ended normally and no line of
# its report FAILs: a check-grad cell "**FAIL**", or a section that threw ("<section> FAILED: ..."). Otherwise it
# prints one line per reason (and the failing report lines) and exits with the JUnit run's status when that is
# non-zero, else 4. Kept apart from device-check.sh so that DeviceVerdictScriptTest runs it on canned reports.
set -uo pipefail
if [ $# -ne 3 ]; then
  echo "usage: device-verdict.sh JUNIT_EXIT REPORT_EXIT REPORT_MD" >&2
  exit 2
fi
junit=$1 report_exit=$2 report=$3
FAIL_LINE='\*\*FAIL\*\*| FAILED: '
status=0
fail() { # fail MESSAGE: report a reason; the first reason's status wins (JUnit's is checked first)
  echo "verdict: $1"
  if [ "$status" -eq 0 ]; then status=${2:-4}; fi
}
if [ "$junit" != 0 ]; then
  fail "the JUnit run failed (exit $junit)" "$junit"
fi
if [ "$report_exit" != 0 ]; then
  fail "DeviceReport ended with exit $report_exit"
fi
if [ ! -s "$report" ]; then
  fail "no device report at $report"
else
  fails=$(grep -cE "$FAIL_LINE" "$report")
  if [ "$fails" -gt 0 ]; then
    fail "$fails line(s) of $report FAIL:"
    grep -E "$FAIL_LINE" "$report" | sed 's/^/  /'
  fi
fi
if [ "$status" -eq 0 ]; then
  echo "verdict: all passed"
fi
exit "$status"
