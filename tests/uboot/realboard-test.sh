#!/usr/bin/env bash
# realboard-test.sh - what can be checked here of the real-board images
# (boards/visionfive2, boards/hifive-unmatched), which no QEMU here boots
# through their own firmware.
#
# For each board:
#   - a fresh build (build/BOARD-wcheck) has no compiler or linker warning;
#   - tools/image.sh succeeds (it checks that the ELF starts at the board's
#     load address and that the FIT's stage address does not overlap it);
#   - the raw .bin starts with a RISC-V Linux image header that U-Boot's
#     booti accepts (magic2 "RSC\x05", image_size covering .bss) and that
#     places the image at RAM base + text_offset = the load address, with a
#     first instruction that jumps to _start;
#   - the FIT lists a RISC-V Linux kernel with load = entry = load address,
#     and boot.scr runs `bootm STAGE - ${fdtcontroladdr}`.
# Then, booting what can be booted:
#   - the same header format through U-Boot's real booti: riscv64-virt's
#     objects linked with the real boards' header (linker/hifive-unmatched.ld
#     with virt's RAM base and load address) as a raw binary, started by
#     tools/uboot-test.sh with UBOOT_BIN;
#   - the hifive-unmatched ELF itself on QEMU sifive_u (FU540: same RAM base,
#     SiFive UART and non-S-mode hart 0) under OpenSBI: all KTAP cases ok,
#     hart 0 never used, the exit status printed and SBI SRST shutdown tried
#     (sifive_u has no power-off device: OpenSBI refuses it and the image
#     halts, so this test ends QEMU itself once the exit line is out).
set -uo pipefail
# The top-level Makefile exports HARTS and MEM even when empty; an empty
# value would defeat mk/board.mk's defaults.
[ -n "${HARTS:-}" ] || unset HARTS
[ -n "${MEM:-}" ] || unset MEM
cd "$(dirname "$0")/../.." || exit 1
export RESULTS=${RESULTS:-build/results/guest.result}
# shellcheck source=tests/ktap-judge.sh
. tests/ktap-judge.sh

u64() { # u64 FILE OFFSET: a little-endian 64-bit value, in hex
	printf '0x%s' "$(od -An -tx8 -j "$2" -N 8 "$1" | tr -d ' \n')"
}
u32() {
	printf '0x%s' "$(od -An -tx4 -j "$2" -N 4 "$1" | tr -d ' \n')"
}

for board in visionfive2 hifive-unmatched; do
	img=build/$board/image
	wlog=build/results/build-$board-wcheck.log
	mkdir -p build/results
	rm -rf "build/$board-wcheck"
	if make -s -j2 -f mk/board.mk BOARD=$board VARIANT=-wcheck images >"$wlog" 2>&1; then
		if grep -qi 'warning' "$wlog"; then
			fail_line "$board: build has warnings ($wlog)"
		else
			pass_line "$board: builds without warnings"
		fi
	else
		fail_line "$board: build failed ($wlog)"
	fi
	rm -rf "build/$board-wcheck"

	if ! tools/image.sh $board boot_test demo >"build/results/image-$board.log" 2>&1; then
		fail_line "$board: tools/image.sh failed (build/results/image-$board.log)"
		continue
	fi
	pass_line "$board: tools/image.sh made $(ls "$img" | tr '\n' ' ')"
	value() { sed -n "s/^$1=//p" "$img/image.txt"; }
	load=$(value load) ram_base=$(value ram_base) stage=$(value stage)

	for p in boot_test demo; do
		bin=$img/$p.bin
		end=$(value "$p.end")
		code0=$(u32 "$bin" 0)
		text_offset=$(u64 "$bin" 8)
		image_size=$(u64 "$bin" 16)
		magic2=$(u32 "$bin" 56)
		start=$(riscv64-unknown-elf-nm "$img/$p.elf" | awk '$3 == "_start" { print "0x" $1 }')
		if [ "$code0" = 0x0400006f ] && [ $((start)) -eq $((load + 64)) ] &&
			[ "$magic2" = 0x05435352 ] &&
			[ $((ram_base + text_offset)) -eq $((load)) ] &&
			[ $((image_size)) -eq $(((end - load + 4095) & ~4095)) ] &&
			[ $((image_size)) -ge "$(stat -c %s "$bin")" ]; then
			pass_line "$board $p.bin: booti header places it at $ram_base + $text_offset = $load, image_size $image_size"
		else
			fail_line "$board $p.bin: bad image header: code0 $code0, _start $start, magic2 $magic2, text_offset $text_offset, image_size $image_size (end $end)"
		fi
		fit=$(mkimage -l "$img/$p.itb")
		want_load=$(printf '0x%x' $((load)))
		if grep -q "Type: *Kernel Image" <<<"$fit" && grep -q "Architecture: RISC-V" <<<"$fit" &&
			grep -q "OS: *Linux" <<<"$fit" &&
			grep -q "Load Address: *$want_load\$" <<<"$fit" &&
			grep -q "Entry Point: *$want_load\$" <<<"$fit"; then
			pass_line "$board $p.itb: RISC-V Linux kernel, load = entry = $want_load"
		else
			fail_line "$board $p.itb: unexpected FIT contents: $(grep -E 'Type|Arch|OS|Load|Entry' <<<"$fit" | tr -s ' \n' ' ')"
		fi
	done
	if grep -q "^bootm $stage - \${fdtcontroladdr}$" "$img/boot.cmd" &&
		grep -q "^load .* $stage " "$img/boot.cmd"; then
		pass_line "$board boot.scr: loads the FIT at $stage and runs bootm there"
	else
		fail_line "$board boot.scr: unexpected script ($img/boot.cmd)"
	fi
done

# The image header through U-Boot's booti, on riscv64-virt.
work=build/riscv64-virt-booti
mkdir -p "$work"
sed -e 's/^RAM_BASE = .*/RAM_BASE = 0x80000000;/' \
	-e 's/^LOAD_ADDR = .*/LOAD_ADDR = 0x80200000;/' \
	linker/hifive-unmatched.ld >"$work/virt-booti.ld"
if make -s -j2 -f mk/board.mk BOARD=riscv64-virt VARIANT=-booti \
	LDFLAGS="-nostdlib -nostartfiles -static -Wl,--gc-sections -Wl,-T,$work/virt-booti.ld" \
	"$work/boot_test.elf" >"$work/build.log" 2>&1 &&
	riscv64-unknown-elf-objcopy -O binary "$work/boot_test.elf" "$work/boot_test.bin"; then
	UBOOT_BIN=$work/boot_test.bin UBOOT_TAG=uboot-booti \
		tools/uboot-test.sh riscv64-virt boot_test ||
		judge_failures=$((judge_failures + 1))
	# booti moves the image to RAM base + text_offset.
	if grep -qa '^Moving Image from 0x84000000 to 0x80200000' \
		build/logs/riscv64-virt/uboot-booti.log; then
		pass_line "riscv64-virt booti: U-Boot read the header and moved the image to 0x80200000"
	else
		fail_line "riscv64-virt booti: no 'Moving Image ... to 0x80200000' in build/logs/riscv64-virt/uboot-booti.log"
	fi
else
	fail_line "riscv64-virt booti: could not link boot_test with the image header ($work/build.log)"
fi

# The hifive-unmatched image on QEMU sifive_u.
board=hifive-unmatched
harts=${HARTS:-2}
limit=60
log=build/logs/$board/sifive_u-boot_test-${harts}h.log
mkdir -p "$(dirname "$log")"
read -ra qemu <<<"$(make -s -f mk/board.mk BOARD=$board HARTS="$harts" PROGRAM=boot_test qemu-cmd)"
: >"$log"
timeout -k 5 $limit "${qemu[@]}" </dev/null >"$log" 2>&1 &
qpid=$!
status=124
for _ in $(seq $((limit * 10))); do
	if grep -qa '^# spanfence: exit status' "$log"; then
		sleep 0.2 # let the power-off attempt print
		status=$(tr -d '\r' <"$log" | sed -n 's/^# spanfence: exit status \([0-9]*\).*/\1/p' | head -n1)
		break
	fi
	kill -0 "$qpid" 2>/dev/null || break
	sleep 0.1
done
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
judge_ktap "$board/${harts}h sifive_u boot_test" "$log" "$status" $limit "$harts"
hartids=$(tr -d '\r' <"$log" | sed -n 's/^# hart [0-9]*: hartid \([0-9]*\),.*/\1/p' | sort -n | tr '\n' ' ')
if [ -n "$hartids" ] && ! grep -qw 0 <<<"$hartids"; then
	pass_line "$board/${harts}h sifive_u: monitor hart 0 (E51, no S-mode) skipped; used hartids $hartids"
else
	fail_line "$board/${harts}h sifive_u: hartids used '$hartids' (log: $log)"
fi
if grep -qa '^# spanfence: SBI power-off refused' "$log"; then
	pass_line "$board/${harts}h sifive_u: exit printed the status, then tried SBI SRST shutdown"
else
	fail_line "$board/${harts}h sifive_u: no SBI power-off attempt in the log (log: $log)"
fi
[ "$judge_failures" -eq 0 ]
