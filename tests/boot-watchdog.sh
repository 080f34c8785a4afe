# shellcheck shell=bash
# boot-watchdog.sh - sourced by tests/run-guest.sh and tools/seeded-runs.sh.
#
# boot_watched LIMIT LOG ELF QEMU-COMMAND...
#   Runs QEMU-COMMAND (qemu-system-... options image) with its serial output
#   in LOG, for at most LIMIT seconds, and sets boot_status: QEMU's exit
#   status, or 124 if it was still running at LIMIT. A boot that hangs is
#   not just killed: QEMU runs with its gdb stub on a Unix socket, and at
#   LIMIT gdb-multiarch attaches and appends to LOG, as "# hang: " lines,
#   every CPU's PC and backtrace (ELF's symbols, tools/gdb/spanfence.gdb)
#   and the collector's state, so that a hang in CI can be read from its
#   log. Then QEMU is killed. Without gdb-multiarch the dump is skipped with
#   a note.
boot_watched() {
	local limit=$1 log=$2 elf=$3
	shift 3
	local sock flag q w
	sock=$(mktemp -u "${TMPDIR:-/tmp}/sf-gdb-XXXXXX")
	flag=$sock.hung
	# The outer timeout only guards the watchdog itself.
	timeout -k 5 $((limit + 90)) "$1" -gdb "unix:$sock,server,nowait" \
		"${@:2}" </dev/null >"$log" 2>&1 &
	q=$!
	(
		sleep "$limit" &
		s=$!
		trap 'kill $s 2>/dev/null; exit 0' TERM
		wait $s
		kill -0 $q 2>/dev/null || exit 0
		: >"$flag"
		hang_dump "$sock" "$elf" "$limit" >>"$log" 2>&1
		kill $q 2>/dev/null
	) &
	w=$!
	wait $q
	boot_status=$?
	kill $w 2>/dev/null
	wait $w 2>/dev/null
	if [ -e "$flag" ]; then
		boot_status=124
		rm -f "$flag"
	fi
	rm -f "$sock"
}

hang_dump() { # SOCK ELF LIMIT
	echo "# hang: still running after ${3}s; the CPUs as gdb sees them:"
	if ! command -v gdb-multiarch >/dev/null; then
		echo "# hang: (no gdb-multiarch: no dump)"
		return
	fi
	timeout -k 5 60 gdb-multiarch -batch -nx -x tools/gdb/spanfence.gdb "$2" \
		-ex "target remote $1" -ex cpus -ex "thread apply all bt 16" \
		-ex "gcstate" </dev/null 2>&1 | sed 's/^/# hang: /'
}
