#!/usr/bin/env bash
# dtb-test.sh - RISC-V discovery on a device tree shaped like the real
# boards' (VisionFive 2, HiFive Unmatched), on QEMU virt.
#
# Takes QEMU's own virt tree for 3 harts (-M virt,dumpdtb) and edits it
# (dtc, package device-tree-compiler):
#   cpu@0  status = "disabled", as hart 0 (the S7/E51 monitor core) is in the
#          boards' trees; OpenSBI then never runs it, so starting it would
#          fail (HSM: invalid hart) and panic the boot.
#   cpu@5  phantom, "okay", rv64imac, no mmu-type: a monitor core that the
#          tree does not disable (QEMU's sifive_u tree looks like this).
#   cpu@6  phantom, "okay", mmu-type but rv64imac: no F/D (as the JH7110
#          vendor tree's hart 0).
#   cpu@7  phantom, "okay", rv64imafdc but no mmu-type (no S-mode).
# OpenSBI counts the phantoms as valid harts that never answer, so starting
# one ends the boot with the 3 s "did not come online" panic. Note that
# OpenSBI (fdt_cpu_fixup) itself marks every cpu without mmu-type "disabled"
# in the tree it passes on, so cpu@5 and cpu@7 reach discover.c disabled:
# its own mmu-type test is a second line for other firmware, and only
# cpu@6 tests the ISA check (removing that check fails this test).
#   /reserved-memory/spanfence-test@84800000 (16 MiB, no-map) and a
#          /memreserve/ of 16 MiB at 0x8d000000: the heap must be the free
#          range between them, 0x85800000..0x8d000000.
# Then boots boot_test with it twice: straight from OpenSBI (-kernel) and
# through U-Boot (tools/uboot-test.sh with DTB=). Both must pass every KTAP
# case with exactly harts 1 and 2 and that heap.
set -uo pipefail
# The top-level Makefile exports HARTS and MEM even when empty; an empty
# value would defeat mk/board.mk's defaults.
[ -n "${HARTS:-}" ] || unset HARTS
[ -n "${MEM:-}" ] || unset MEM
cd "$(dirname "$0")/../.." || exit 1
export RESULTS=${RESULTS:-build/results/guest.result}
# shellcheck source=tests/ktap-judge.sh
. tests/ktap-judge.sh

board=riscv64-virt
work=build/$board/dtb-test
limit=60
heap='heap 0x85800000..0x8d000000'
rm -rf "$work"
mkdir -p "$work" build/logs/$board

if ! command -v dtc >/dev/null; then
	fail_line "$board dtb: dtc missing (apt-get install device-tree-compiler)"
	exit 1
fi
if ! make -s -f mk/board.mk BOARD=$board images >"$work/build.log" 2>&1; then
	fail_line "$board dtb: build failed ($work/build.log)"
	exit 1
fi

timeout 20 qemu-system-riscv64 -M virt,dumpdtb="$work/virt.dtb" -smp 3 -m 256M \
	-nographic >/dev/null 2>&1
dtc -q -I dtb -O dts "$work/virt.dtb" -o "$work/virt.dts"
awk '
	/^\/dts-v1\/;/ { print; print "/memreserve/ 0x8d000000 0x1000000;"; next }
	/^\tcpus \{/ { in_cpus = 1 }
	/^\t\tcpu@0 \{/ { in_cpu0 = 1 }
	in_cpu0 && /status = "okay";/ { sub(/"okay"/, "\"disabled\""); in_cpu0 = 0 }
	in_cpus && /timebase-frequency/ {
		print
		print "\t\tcpu@5 {"
		print "\t\t\tdevice_type = \"cpu\";"
		print "\t\t\treg = <0x05>;"
		print "\t\t\tstatus = \"okay\";"
		print "\t\t\tcompatible = \"riscv\";"
		print "\t\t\triscv,isa = \"rv64imac_zicsr_zifencei\";"
		print "\t\t};"
		print "\t\tcpu@6 {"
		print "\t\t\tdevice_type = \"cpu\";"
		print "\t\t\treg = <0x06>;"
		print "\t\t\tstatus = \"okay\";"
		print "\t\t\tcompatible = \"riscv\";"
		print "\t\t\triscv,isa = \"rv64imac\";"
		print "\t\t\tmmu-type = \"riscv,sv39\";"
		print "\t\t};"
		print "\t\tcpu@7 {"
		print "\t\t\tdevice_type = \"cpu\";"
		print "\t\t\treg = <0x07>;"
		print "\t\t\tstatus = \"okay\";"
		print "\t\t\tcompatible = \"riscv\";"
		print "\t\t\triscv,isa = \"rv64imafdc\";"
		print "\t\t};"
		in_cpus = 0
		next
	}
	/^\tchosen \{/ {
		print "\treserved-memory {"
		print "\t\t#address-cells = <0x02>;"
		print "\t\t#size-cells = <0x02>;"
		print "\t\tranges;"
		print "\t\tspanfence-test@84800000 {"
		print "\t\t\treg = <0x00 0x84800000 0x00 0x1000000>;"
		print "\t\t\tno-map;"
		print "\t\t};"
		print "\t};"
	}
	{ print }
' "$work/virt.dts" >"$work/edited.dts"
if ! dtc -q -I dts -O dtb "$work/edited.dts" -o "$work/edited.dtb" ||
	! grep -q 'status = "disabled"' "$work/edited.dts" ||
	! grep -q 'spanfence-test@84800000' "$work/edited.dts"; then
	fail_line "$board dtb: could not edit QEMU's device tree ($work/edited.dts)"
	exit 1
fi

check_banner() { # NAME LOG
	local hartids
	hartids=$(tr -d '\r' <"$2" | sed -n 's/^# hart [0-9]*: hartid \([0-9]*\),.*/\1/p' |
		sort -n | tr '\n' ' ')
	if [ "$hartids" = "1 2 " ]; then
		pass_line "$1: harts 1 and 2 used; disabled hart 0 and phantom harts 5-7 skipped"
	else
		fail_line "$1: hartids used: '${hartids}', want '1 2' (log: $2)"
	fi
	if tr -d '\r' <"$2" | grep -q "^# spanfence on .*, $heap "; then
		pass_line "$1: $heap avoids /reserved-memory and /memreserve/"
	else
		fail_line "$1: want '$heap', got '$(tr -d '\r' <"$2" | grep -m1 -o 'heap [^ ]*')' (log: $2)"
	fi
}

# 1. Straight from OpenSBI.
log=build/logs/$board/dtb-boot_test.log
read -ra qemu <<<"$(make -s -f mk/board.mk BOARD=$board HARTS=3 MEM=256M \
	PROGRAM=boot_test qemu-cmd)"
timeout -k 5 $limit "${qemu[@]}" -dtb "$work/edited.dtb" </dev/null >"$log" 2>&1
status=$?
judge_ktap "$board/dtb boot_test" "$log" "$status" $limit 2
check_banner "$board/dtb boot_test" "$log"

# 2. Through U-Boot, which passes the same tree on (${fdtcontroladdr}).
HARTS=3 MEM=256M DTB=$work/edited.dtb UBOOT_TAG=uboot-dtb UBOOT_HARTS=2 \
	tools/uboot-test.sh $board boot_test || judge_failures=$((judge_failures + 1))
check_banner "$board/dtb uboot boot_test" build/logs/$board/uboot-dtb.log
[ "$judge_failures" -eq 0 ]
