#!/usr/bin/env bash
# badptr-check.sh PROGRAM - the collector's fatal pointer check: each mode
# of tests/gc/gc_badptr.c must panic (exit 2) with the Go-style report:
#   runtime: pointer 0x... to unallocated span span.base()=0x...
#       span.limit=0x... span.state=free
#   runtime: found in object at *(0x...+0x...)
#   ... PANIC: ... found bad pointer in heap
# and free() of a collected object must be refused by the heap (exit 2).
# Appends PASS/FAIL lines to $RESULTS (default build/results/gc.result).
set -u
prog=$1
results=${RESULTS:-build/results/gc.result}
mkdir -p build/logs/host-gc "$(dirname "$results")"
rc=0
for mode in object task; do
	for h in 2 4; do
		name="host/plain/${h}h-gc_badptr $mode"
		log=build/logs/host-gc/badptr-$mode-${h}h.log
		HARTS=$h GC_BADPTR=$mode timeout -k 5 60 "$prog" </dev/null >"$log" 2>&1
		status=$?
		if [ "$status" -eq 2 ] &&
			grep -qa '^runtime: pointer 0x[0-9a-f]* to unallocated span span.base()=0x[0-9a-f]* span.limit=0x[0-9a-f]* span.state=free' "$log" &&
			grep -qa '^runtime: found in object at \*(0x[0-9a-f]*+0x[0-9a-f]*)' "$log" &&
			grep -qa 'found bad pointer in heap' "$log"; then
			echo "ok $name: reported ($(grep -m1 -a '^runtime: pointer' "$log"))"
			echo "PASS $name: reported" >>"$results"
		else
			echo "not ok $name: exit $status, no Go-style report (log: $log)"
			echo "FAIL $name: exit $status, no Go-style report (log: $log)" >>"$results"
			rc=1
		fi
	done
done
for h in 2; do
	name="host/plain/${h}h-gc_badptr free"
	log=build/logs/host-gc/badptr-free-${h}h.log
	HARTS=$h GC_BADPTR=free timeout -k 5 60 "$prog" </dev/null >"$log" 2>&1
	status=$?
	if [ "$status" -eq 2 ] && grep -qa 'object of the collected heap' "$log"; then
		echo "ok $name: free() of a collected object refused"
		echo "PASS $name: refused" >>"$results"
	else
		echo "not ok $name: exit $status (log: $log)"
		echo "FAIL $name: exit $status (log: $log)" >>"$results"
		rc=1
	fi
done
exit $rc
