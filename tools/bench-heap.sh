#!/usr/bin/env bash
# bench-heap.sh - the heap benchmark (not a test: nothing here passes or
# fails on a figure). Called by `make -f mk/bench.mk bench`.
#
#   1. every board in $BENCH_BOARDS: build bench/heap_bench.c for it, boot
#      it with one hart under QEMU -icount shift=0 (under `timeout`), keep
#      its table rows (instructions per malloc+free pair, spanfence against
#      newlib's malloc in the same image);
#   2. the host: tests/host/heap_bench.c (wall-time ratios against glibc,
#      mimalloc and jemalloc, interleaved rounds in one process), then
#      tests/host/bench-callgrind.sh (instructions per pair under callgrind).
# Writes everything as markdown to build/bench/heap.md and prints it.
# Logs: build/bench/<board>.log. BENCH_TIMEOUT (s) bounds each boot.
set -u
boards=${BENCH_BOARDS:-riscv64-virt mips64-malta mips64-loongson3}
limit=${BENCH_TIMEOUT:-240}
out=build/bench
md=$out/heap.md
mkdir -p "$out"

{
	echo "## Heap benchmark"
	echo
	echo "Produced by \`make bench\` ($(date -u +%Y-%m-%d), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), QEMU $(qemu-system-riscv64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p'))."
	echo
	echo "### Boards: instructions per malloc+free pair"
	echo
	echo "Instructions executed inside malloc and free (entry to return), one hart,"
	echo "QEMU \`-icount shift=0\`: riscv64 \`rdinstret\` per pair; MIPS CP0 Count per 16 pairs,"
	echo "calibrated against an assembly loop (one tick = 6 instructions on malta, 2 on"
	echo "loongson3-virt). newlib = newlib 3.3's own malloc linked into the same image."
	echo
	echo "| board | workload | spanfence median | spanfence p99 | newlib median | newlib p99 | newlib / spanfence |"
	echo "|---|---|---:|---:|---:|---:|---:|"
} >"$md.tmp"

for b in $boards; do
	log=$out/$b.log
	echo "== bench: $b" >&2
	if ! make -s -f mk/bench.mk BOARD="$b" bench-image >"$out/build-$b.log" 2>&1; then
		tail -n 20 "$out/build-$b.log" >&2
		echo "| $b | (build failed: $out/build-$b.log) | | | | | |" >>"$md.tmp"
		continue
	fi
	cmd=$(make -s -f mk/board.mk BOARD="$b" HARTS=1 PROGRAM=heap_bench qemu-cmd)
	timeout -k 5 "$limit" $cmd -icount shift=0 </dev/null >"$log" 2>&1
	status=$?
	if ! grep -qa "^| $b |" "$log" || [ "$status" -ne 0 ]; then
		echo "| $b | (boot failed, status $status: $log) | | | | | |" >>"$md.tmp"
	fi
	tr -d '\r' <"$log" | grep -a "^| $b |" >>"$md.tmp"
done

{
	echo
	echo "### Host (x86_64): wall time, same process, interleaved rounds"
	echo
} >>"$md.tmp"
echo "== bench: host" >&2
if make -s -f mk/host.mk build/host/bench/heap_bench >"$out/build-host.log" 2>&1; then
	GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 \
		timeout -k 5 "$limit" build/host/bench/heap_bench 2>&1 |
		tee "$out/host.log" | grep -v '^#' >>"$md.tmp"
	grep '^#' "$out/host.log" | sed 's/^# */- /' >>"$md.tmp"
	{
		echo
		echo "### Host: instructions per malloc+free pair (callgrind, inclusive; 200000 pairs of each size, then whole workloads)"
		echo
	} >>"$md.tmp"
	timeout -k 5 "$limit" tests/host/bench-callgrind.sh build/host/bench/heap_bench \
		>>"$md.tmp" 2>&1
else
	tail -n 20 "$out/build-host.log" >&2
	echo "(host benchmark did not build: $out/build-host.log)" >>"$md.tmp"
fi
mv "$md.tmp" "$md"
cat "$md"
