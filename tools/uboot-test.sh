#!/usr/bin/env bash
# uboot-test.sh BOARD [PROGRAM] - the flashing path, tested in QEMU.
#
# Builds PROGRAM (default boot_test) with tools/image.sh, hands it to one of
# Debian's u-boot-qemu builds the way a board's firmware gets it, lets U-Boot
# load and start it without anyone typing at it, and judges the serial log
# like tests/run-guest.sh (KTAP plan, every case ok, QEMU exit status 0)
# plus: U-Boot ran, U-Boot started the image, and HARTS harts came up.
#
#   riscv64-virt  OpenSBI (fw_dynamic) -> U-Boot qemu-riscv64_smode (S-mode).
#                 A virtio-blk disk with an MBR and one ext2 partition holding
#                 boot.scr and PROGRAM.itb, as on an SD card. U-Boot's distro
#                 boot finds boot.scr by itself after its 2 s countdown; the
#                 script loads the FIT and runs bootm - ${fdtcontroladdr}.
#                 The guest powers QEMU off through the virt test device.
#   mips64-malta  U-Boot malta64el in the 4 MiB boot flash (-bios). This
#                 U-Boot has no autoboot, no FIT, no filesystems and its IDE
#                 probe finds no disk under QEMU 7.2, so the test flash holds
#                 U-Boot, a boot script at 0x0f0000 and PROGRAM.uimg at
#                 0x100000, and the script is started by typing one command
#                 at the prompt (`source 0xffffffffbe0f0000`) through a FIFO.
#                 With UBOOT_MEDIA=tftp the script and the .uimg come over
#                 TFTP from QEMU's user network instead (the pcnet NIC):
#                 `setenv autoload no; dhcp; tftpboot ...; source ...`.
#                 It copies the .uimg to its stage address, runs bootm in
#                 steps, and between `bootm loados` and `bootm go` releases
#                 the CPUs that U-Boot parked (tests/uboot/malta-park.S). The
#                 guest exits through UHI semihosting.
#
# Environment: HARTS (default 2), MEM (QEMU -m, default the board's),
# UBOOT_TIMEOUT (s, default 60), DTB (riscv64-virt: a device tree for QEMU
# -dtb), UBOOT_HARTS (harts that must come up, default HARTS), UBOOT_TAG
# (default "uboot": names the log and the results), UBOOT_BIN (riscv64-virt:
# a raw image with the RISC-V Linux image header to start with `booti`
# instead of the FIT with `bootm`), UBOOT_MEDIA (riscv64-virt: "disk", the
# default, or "tftp": no disk but a virtio-net NIC on QEMU's user network,
# whose DHCP/TFTP server hands U-Boot's distro boot boot.scr.uimg, a script
# running the TFTP commands of docs/boards.md), RESULTS.
# Log: build/logs/BOARD/UBOOT_TAG.log (UBOOT_TAG-PROGRAM.log for others).
set -uo pipefail
# The top-level Makefile exports HARTS and MEM even when empty; an empty
# value would defeat mk/board.mk's defaults.
[ -n "${HARTS:-}" ] || unset HARTS
[ -n "${MEM:-}" ] || unset MEM

[ $# -ge 1 ] || { echo "usage: tools/uboot-test.sh BOARD [PROGRAM]" >&2; exit 2; }
board=$1
program=${2:-boot_test}
harts=${HARTS:-2}
limit=${UBOOT_TIMEOUT:-60}
tag=${UBOOT_TAG:-uboot}
cd "$(dirname "$0")/.." || exit 1
export RESULTS=${RESULTS:-build/results/guest.result}
# shellcheck source=tests/ktap-judge.sh
. tests/ktap-judge.sh

name="$board/${harts}h $tag $program"
log=build/logs/$board/$tag.log
[ "$program" = boot_test ] || log=build/logs/$board/$tag-$program.log
work=build/$board/$tag
img=$work/image
mkdir -p "$(dirname "$log")" "$(dirname "$RESULTS")"
rm -rf "$work"
mkdir -p "$work"

if ! IMAGE_DIR=$img tools/image.sh "$board" "$program" >"$work/image.log" 2>&1; then
	sed 's/^/#   /' "$work/image.log"
	fail_line "$name: tools/image.sh failed (log: $work/image.log)"
	exit 1
fi
value() { sed -n "s/^$1=//p" "$img/image.txt"; }
entry=$(value "$program.entry")
stage=$(value stage)

# The board's QEMU command without its image option (-kernel/-bios PATH).
mem_arg=()
[ -n "${MEM:-}" ] && mem_arg=(MEM="$MEM")
read -ra qemu <<<"$(make -s -f mk/board.mk BOARD="$board" HARTS="$harts" \
	"${mem_arg[@]}" PROGRAM="$program" qemu-cmd)"
qemu=("${qemu[@]:0:${#qemu[@]}-2}")

le32() { # print a 32-bit value as 4 little-endian bytes
	printf '%b' "$(printf '\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}

status=0
case $board in
riscv64-virt)
	uboot=/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf
	[ -f "$uboot" ] || { fail_line "$name: $uboot missing (package u-boot-qemu)"; exit 1; }
	# The partition: boot.scr (the image's script, told which FIT to load)
	# and the FIT. 16 MiB disk, partition 1 from 1 MiB, bootable, Linux.
	mkdir -p "$work/part"
	if [ -n "${UBOOT_BIN:-}" ]; then
		cp "$UBOOT_BIN" "$work/part/$program.bin"
		cat >"$work/boot.cmd" <<-EOF
		echo "spanfence: $program.bin from \${devtype} \${devnum}:\${distro_bootpart}"
		load \${devtype} \${devnum}:\${distro_bootpart} \${kernel_addr_r} \${prefix}$program.bin
		booti \${kernel_addr_r} - \${fdtcontroladdr}
		EOF
	else
		cp "$img/$program.itb" "$work/part/"
		{ echo "setenv spanfence_image $program.itb"; cat "$img/boot.cmd"; } >"$work/boot.cmd"
	fi
	mkimage -A riscv -O linux -T script -C none -n "spanfence boot script" \
		-d "$work/boot.cmd" "$work/part/boot.scr" >/dev/null
	dtb=()
	[ -n "${DTB:-}" ] && dtb=(-dtb "$DTB")
	if [ "${UBOOT_MEDIA:-disk}" = tftp ]; then
		tftp=$work/tftp
		mkdir -p "$tftp"
		cp "$work/part/$program.itb" "$tftp/"
		cat >"$work/tftp.cmd" <<-EOF
		echo "spanfence: $program.itb over TFTP"
		setenv autoload no; dhcp
		tftpboot $stage $program.itb
		bootm $stage - \${fdtcontroladdr}
		EOF
		mkimage -A riscv -O linux -T script -C none -n "spanfence TFTP boot" \
			-d "$work/tftp.cmd" "$tftp/boot.scr.uimg" >/dev/null
		# shellcheck disable=SC2054 # commas belong to QEMU's option values
		media=(-netdev "user,id=n0,tftp=$tftp" -device virtio-net-device,netdev=n0)
	else
		disk=$work/disk.img
		truncate -s 16M "$disk"
		mke2fs -q -F -t ext2 -L spanfence -d "$work/part" -E offset=1048576 "$disk" 15M
		{
			printf '\x80\xfe\xff\xff\x83\xfe\xff\xff'
			le32 2048
			le32 $((15 * 2048))
		} | dd of="$disk" bs=1 seek=446 conv=notrunc status=none
		printf '\x55\xaa' | dd of="$disk" bs=1 seek=510 conv=notrunc status=none
		# shellcheck disable=SC2054 # commas belong to QEMU's option values
		media=(-drive "file=$disk,format=raw,if=none,id=d0" -device virtio-blk-device,drive=d0)
	fi
	timeout -k 5 "$limit" "${qemu[@]}" "${dtb[@]}" -kernel "$uboot" "${media[@]}" \
		</dev/null >"$log" 2>&1
	status=$?
	started='^Starting kernel'
	;;
mips64-malta)
	ub=/usr/lib/u-boot/malta64el/u-boot.bin
	[ -f "$ub" ] || { fail_line "$name: $ub missing (package u-boot-qemu)"; exit 1; }
	cross=mips64el-linux-gnuabi64-
	park=0xffffffffbffc0000 # flash offset 0x3c0000 seen at the reset vector
	mailbox=0xffffffffa000fff8
	# The parking loop this test replaces: `wait; b .-4` at offset 0x514.
	if [ "$(od -An -tx1 -j $((0x514)) -N 8 "$ub" | tr -d ' \n')" != 20000042feff0010 ]; then
		fail_line "$name: $ub is not the U-Boot build this test knows (no parking loop at 0x514)"
		exit 1
	fi
	if ! { "${cross}gcc" -c -mabi=64 -march=mips64r2 -mno-abicalls -fno-pic \
		tests/uboot/malta-park.S -o "$work/park.o" &&
		"${cross}ld" -Ttext=$park -e malta_park "$work/park.o" -o "$work/park.elf" &&
		"${cross}objcopy" -O binary -j .text "$work/park.elf" "$work/park.bin"; }; then
		fail_line "$name: could not build tests/uboot/malta-park.S"
		exit 1
	fi
	uimg=$img/$program.uimg
	size=$(stat -c %s "$uimg")
	if [ "$size" -gt $((0x3c0000 - 0x100000)) ]; then
		fail_line "$name: $program.uimg ($size bytes) does not fit in the test flash"
		exit 1
	fi
	if [ "${UBOOT_MEDIA:-flash}" = tftp ]; then
		load="tftpboot $stage $program.uimg"
		typed='setenv autoload no; dhcp; tftpboot 0xffffffff81000000 boot.scr; source 0xffffffff81000000'
	else
		load="cp.b 0xffffffffbe100000 $stage $(printf %x "$size")"
		typed='source 0xffffffffbe0f0000'
	fi
	cat >"$work/boot.cmd" <<-EOF
	echo "spanfence: $program.uimg to $stage"
	$load
	bootm start $stage
	bootm loados
	echo "spanfence: releasing the parked CPUs to $entry"
	mw.q $mailbox $entry
	bootm prep
	bootm go
	EOF
	mkimage -A mips -O linux -T script -C none -n "spanfence boot script" \
		-d "$work/boot.cmd" "$work/boot.scr" >/dev/null
	# The flash in CPU byte order, then word-swapped: QEMU swaps the first
	# 0x3e0000 bytes of a little-endian Malta's flash back (the bi-endian
	# YAMON convention; U-Boot's own build calls it u-boot-swap.bin).
	flash=$work/flash-le.bin
	head -c $((4 << 20)) /dev/zero | tr '\0' '\377' >"$flash"
	put() { dd if="$1" of="$flash" bs=1 seek=$(($2)) conv=notrunc status=none; }
	put "$ub" 0
	{ le32 $((0x08000000 | (park >> 2 & 0x03ffffff))); le32 0; } >"$work/jump.bin"
	put "$work/jump.bin" 0x514 # j park; nop
	put "$work/park.bin" 0x3c0000
	put "$work/boot.scr" 0x0f0000
	put "$uimg" 0x100000
	"${cross}objcopy" -I binary -O binary --reverse-bytes=4 "$flash" "$work/flash.bin"
	media=()
	if [ "${UBOOT_MEDIA:-flash}" = tftp ]; then
		mkdir -p "$work/tftp"
		cp "$work/boot.scr" "$uimg" "$work/tftp/"
		media=(-nic "user,model=pcnet,tftp=$work/tftp")
	fi

	fifo=$work/console.in
	mkfifo "$fifo"
	exec 3<>"$fifo"
	: >"$log"
	timeout -k 5 "$limit" "${qemu[@]}" -bios "$work/flash.bin" "${media[@]}" \
		<"$fifo" >"$log" 2>&1 &
	qpid=$!
	for _ in $(seq $((limit * 10))); do
		grep -qa 'maltael # ' "$log" && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	printf '%s\n' "$typed" >&3
	wait "$qpid"
	status=$?
	exec 3>&-
	started='^## Booting kernel from Legacy Image'
	;;
*)
	echo "uboot-test.sh: no U-Boot test for board '$board' (riscv64-virt, mips64-malta)" >&2
	exit 2
	;;
esac

if grep -qa '^U-Boot 20' "$log" && grep -qa "$started" "$log"; then
	pass_line "$name: U-Boot $(grep -m1 -a '^U-Boot 20' "$log" | awk '{ print $2 }') started the image"
else
	fail_line "$name: U-Boot did not start the image, $(judge_why "$status" "$limit" "$log") (log: $log)"
fi
judge_ktap "$name" "$log" "$status" "$limit" "${UBOOT_HARTS:-$harts}"
[ "$judge_failures" -eq 0 ]
