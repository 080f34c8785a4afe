#!/usr/bin/env bash
# image.sh BOARD [PROGRAM...] - build what a board's firmware loads.
#
# Builds the board (mk/board.mk) and writes, for each PROGRAM (default:
# boot_test demo), into build/BOARD/image/:
#   RISC-V boards (OpenSBI, then U-Boot in S-mode):
#     PROGRAM.itb   FIT image for U-Boot `bootm ADDR - ${fdtcontroladdr}`:
#                   one kernel image, arch riscv, os linux (so bootm enters it
#                   with a0 = hartid, a1 = device tree), no compression,
#                   load = entry = the board's load address
#     PROGRAM.bin   raw binary to place at the load address (`booti` on the
#                   real boards, whose images carry the RISC-V Linux image
#                   header; OpenSBI fw_jump/fw_payload; QEMU -kernel)
#     boot.scr      U-Boot script (from boot.cmd) that distro boot finds on
#                   a FAT/ext partition and that loads and starts
#                   ${spanfence_image} (default boot_test.itb) from it
#   MIPS boards:
#     PROGRAM.elf   for U-Boot `bootelf` and PMON/YAMON `load` + `go`/`g`
#     PROGRAM.bin   PMON-style raw binary: load at the load address, jump to
#                   the entry (image.txt has both)
#     PROGRAM.srec  the same as S-records (PMON/YAMON `load` over serial/TFTP)
#     PROGRAM.uimg  legacy U-Boot image for `bootm` (arch mips, os linux, type
#                   kernel_noload): U-Boot's bootm passes Linux-style
#                   argc/argv/envp (with memsize). A legacy header holds only
#                   32-bit addresses, which a 64-bit U-Boot does not
#                   sign-extend, so the image runs where it lies: put the
#                   .uimg at stage_addr = load - 64 (its 64-byte header
#                   first) and bootm there. Debian's malta64el U-Boot has no
#                   FIT support, hence no .itb for MIPS.
#   image.txt       load/entry addresses, sizes and where they come from
#   (all boards) PROGRAM.elf, a copy with symbols for gdb.
# IMAGE_DIR=dir writes them there instead (the directory is recreated).
#
# The load address of each board is in the table below, with its source; the
# script fails if the linked image does not start there, or if the stage
# address (where the commands in docs/boards.md put the .itb on RISC-V) would
# overlap the image once bootm copies it into place.
set -euo pipefail
# The top-level Makefile exports HARTS and MEM even when empty; an empty
# value would defeat mk/board.mk's defaults.
[ -n "${HARTS:-}" ] || unset HARTS
[ -n "${MEM:-}" ] || unset MEM

# stage: where U-Boot puts the image file before bootm (RISC-V: the FIT,
# copied from there to load; MIPS: the .uimg, load - 64, run in place).
# board             arch   ram_base            load                stage               source of the load address
BOARD_TABLE='
riscv64-virt        riscv  0x80000000          0x80200000          0x84000000          QEMU virt + OpenSBI fw_dynamic next address; the FIT goes to U-Boot qemu-riscv64_smode kernel_addr_r=0x84000000
visionfive2         riscv  0x40000000          0x40200000          0x60000000          U-Boot include/configs/starfive-visionfive2.h: kernel_addr_r=0x40200000 (upstream and StarFive vendor U-Boot)
hifive-unmatched    riscv  0x80000000          0x84000000          0x90000000          U-Boot include/configs/sifive-unmatched.h: kernel_addr_r=0x84000000
mips64-malta        mips   0xffffffff80000000  0xffffffff80100000  0xffffffff800fffc0  linker/mips64-malta.ld (KSEG0 + 1 MiB, as Linux on Malta); the .uimg goes 64 bytes below it
'

usage() {
	echo "usage: tools/image.sh BOARD [PROGRAM...]" >&2
	echo "boards:" >&2
	awk 'NF { print "  " $1 }' <<<"$BOARD_TABLE" >&2
	exit 2
}

[ $# -ge 1 ] || usage
board=$1
shift
row=$(awk -v b="$board" '$1 == b' <<<"$BOARD_TABLE")
[ -n "$row" ] || { echo "image.sh: unknown board '$board'" >&2; usage; }
read -r _ arch ram_base load stage source <<<"$row"
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(boot_test demo)

cd "$(dirname "$0")/.." || exit 1
out=build/$board
img=${IMAGE_DIR:-$out/image}
case $arch in
riscv) cross=riscv64-unknown-elf- ;;
mips) cross=mips64el-linux-gnuabi64- ;;
esac

# mk/board.mk does not relink when only the linker script changed.
if [ -d "$out" ] && [ -f "linker/$board.ld" ]; then
	find "$out" -maxdepth 1 -name '*.elf' ! -newer "linker/$board.ld" -delete
fi
targets=()
for p in "${programs[@]}"; do targets+=("$out/$p.elf"); done
make -s -j2 -f mk/board.mk BOARD="$board" "${targets[@]}"
rm -rf "$img"
mkdir -p "$img"

hex() { printf '0x%x' "$1"; }
# Entry point and lowest/highest loaded address of an ELF. Bash arithmetic
# is 64-bit two's complement: KSEG0 addresses are negative, but compare and
# print (%x) correctly among themselves.
elf_info() {
	local entry='' lo='' hi='' type off va pa fs ms rest
	while read -r type off va pa fs ms rest; do
		case $type in
		Entry) entry=$(awk '{ print $NF }' <<<"$off $va $pa $fs $ms $rest") ;;
		LOAD)
			if [ -z "$lo" ] || [ $((va)) -lt $((lo)) ]; then lo=$va; fi
			if [ -z "$hi" ] || [ $((va + ms)) -gt $((hi)) ]; then
				hi=$(hex $((va + ms)))
			fi
			;;
		esac
	done < <("${cross}readelf" -hlW "$1")
	echo "$entry $(hex $((lo))) $hi"
}
# Device-tree cells for a 64-bit address.
cells() { printf '<0x%x 0x%x>' $(($1 >> 32 & 0xffffffff)) $(($1 & 0xffffffff)); }

# The FIT source for one program: one kernel image, no device tree (bootm
# takes the board's: `bootm ADDR - ${fdtcontroladdr}`).
write_its() { # PROGRAM ENTRY
	cat <<-EOF
	/dts-v1/;

	/ {
	    description = "spanfence $1 for $board";
	    #address-cells = <2>;

	    images {
	        kernel {
	            description = "spanfence $1";
	            data = /incbin/("$1.bin");
	            type = "kernel";
	            arch = "riscv";
	            os = "linux";
	            compression = "none";
	            load = $(cells "$load");
	            entry = $(cells "$2");
	            hash-1 {
	                algo = "sha256";
	            };
	        };
	    };

	    configurations {
	        default = "conf-1";
	        conf-1 {
	            description = "spanfence $1";
	            kernel = "kernel";
	        };
	    };
	};
	EOF
}

{
	echo "board=$board"
	echo "arch=$arch"
	echo "ram_base=$ram_base"
	echo "load=$load"
	echo "stage=$stage"
	echo "source=$source"
} >"$img/image.txt"

for p in "${programs[@]}"; do
	elf=$out/$p.elf
	read -r entry lo hi <<<"$(elf_info "$elf")"
	if [ $((lo)) -ne $((load)) ]; then
		echo "image.sh: $elf starts at $lo, but $board loads at $load" >&2
		exit 1
	fi
	cp "$elf" "$img/$p.elf"
	"${cross}objcopy" -O binary "$elf" "$img/$p.bin"
	size=$(stat -c %s "$img/$p.bin")
	if [ "$arch" = mips ]; then
		"${cross}objcopy" -O srec --srec-forceS3 "$elf" "$img/$p.srec"
	fi

	if [ "$arch" = riscv ]; then
		write_its "$p" "$entry" >"$img/$p.its"
		(cd "$img" && mkimage -f "$p.its" "$p.itb" >"$p.itb.txt")
		staged=$img/$p.itb
		# bootm copies the kernel from the FIT at stage to [load, hi).
		if [ $((stage)) -lt $((hi)) ] &&
			[ $((stage + $(stat -c %s "$staged"))) -gt $((load)) ]; then
			echo "image.sh: $p.itb at $stage would overlap the image $load..$hi" >&2
			exit 1
		fi
	else
		if [ $((stage + 64)) -ne $((load)) ]; then
			echo "image.sh: $board stage $stage is not load - 64" >&2
			exit 1
		fi
		mkimage -A mips -O linux -T kernel_noload -C none -a 0 -e \
			"$(hex $((entry - load)))" -n "spanfence $p" \
			-d "$img/$p.bin" "$img/$p.uimg" >"$img/$p.uimg.txt"
		staged=$img/$p.uimg
	fi
	{
		echo "$p.entry=$entry"
		echo "$p.end=$hi"
		echo "$p.bin_size=$size"
		echo "$p.staged=$(basename "$staged")"
		echo "$p.staged_size=$(stat -c %s "$staged")"
	} >>"$img/image.txt"
	echo "$board: $img/$p.{$([ "$arch" = mips ] && echo uimg,srec || echo itb),bin,elf}" \
		"load $load entry $entry, $(( (hi - lo) / 1024 )) KiB with .bss"
done

if [ "$arch" = riscv ]; then
	cat >"$img/boot.cmd" <<-'EOF'
	# spanfence: U-Boot boot script (mkimage -T script). Distro boot runs it
	# from the first partition with boot.scr; it loads the FIT named by
	# ${spanfence_image} (default boot_test.itb) from the same partition.
	if test -z "${spanfence_image}"; then setenv spanfence_image boot_test.itb; fi
	echo "spanfence: ${spanfence_image} from ${devtype} ${devnum}:${distro_bootpart}"
	load ${devtype} ${devnum}:${distro_bootpart} @FIT_ADDR@ ${prefix}${spanfence_image}
	bootm @FIT_ADDR@ - ${fdtcontroladdr}
	EOF
	sed -i "s/@FIT_ADDR@/$stage/g" "$img/boot.cmd"
	mkimage -A riscv -O linux -T script -C none -n "spanfence boot script" \
		-d "$img/boot.cmd" "$img/boot.scr" >/dev/null
	echo "$board: $img/boot.scr (loads \${spanfence_image}, default boot_test.itb, at $stage)"
fi
