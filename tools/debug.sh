#!/usr/bin/env bash
# debug.sh BOARD [PROGRAM] [GDB-ARGS...] - PROGRAM (default demo) under QEMU,
# halted at reset, with gdb-multiarch attached.
#
# QEMU starts with -S (no CPU runs) and its gdb stub on a Unix socket in
# build/debug/; gdb-multiarch loads build/BOARD/PROGRAM.elf's symbols and
# tools/gdb/spanfence.gdb (commands: cpus, harts, boot), and connects. On
# riscv64-virt the CPUs start in QEMU's reset code and OpenSBI, then enter
# the image; on mips64-malta they start in QEMU's boot loader. Type `boot`
# (or `break main`, `continue`). The guest's serial console goes to
# build/logs/BOARD/debug-PROGRAM.log (`tail -f` it in another terminal).
# QEMU is killed when gdb exits, and in any case after DEBUG_TIMEOUT
# seconds (default 3600). GDB-ARGS go to gdb (e.g. -batch -ex ...).
# HARTS and MEM work as for `make run`.
set -euo pipefail
# The top-level Makefile exports HARTS and MEM even when empty; an empty
# value would defeat mk/board.mk's defaults.
[ -n "${HARTS:-}" ] || unset HARTS
[ -n "${MEM:-}" ] || unset MEM

[ $# -ge 1 ] || { echo "usage: tools/debug.sh BOARD [PROGRAM] [GDB-ARGS...]" >&2; exit 2; }
board=$1
program=${2:-demo}
shift $(($# >= 2 ? 2 : 1))
cd "$(dirname "$0")/.." || exit 1

command -v gdb-multiarch >/dev/null || { echo "debug.sh: gdb-multiarch missing" >&2; exit 1; }
make -s -j2 -f mk/board.mk BOARD="$board" images
elf=build/$board/$program.elf
[ -f "$elf" ] || { echo "debug.sh: no $elf (programs: $(make -s -f mk/board.mk BOARD="$board" image-list) demo)" >&2; exit 1; }

args=(BOARD="$board" PROGRAM="$program")
[ -n "${HARTS:-}" ] && args+=(HARTS="$HARTS")
[ -n "${MEM:-}" ] && args+=(MEM="$MEM")
read -ra qemu <<<"$(make -s -f mk/board.mk "${args[@]}" qemu-cmd)"

mkdir -p build/debug build/logs/"$board"
sock=$(mktemp -u "$PWD/build/debug/gdb-$board-XXXXXX.sock")
console=build/logs/$board/debug-$program.log
timeout -k 5 "${DEBUG_TIMEOUT:-3600}" "${qemu[@]}" -S \
	-gdb "unix:$sock,server=on,wait=off" </dev/null >"$console" 2>&1 &
qpid=$!
cleanup() {
	kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	rm -f "$sock"
}
trap cleanup EXIT
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	kill -0 "$qpid" 2>/dev/null || { cat "$console" >&2; exit 1; }
	sleep 0.05
done
echo "debug.sh: QEMU halted (pid $qpid), console in $console; gdb: cpus, harts, boot" >&2
gdb-multiarch -q -x tools/gdb/spanfence.gdb -ex "target remote $sock" "$@" "$elf"
