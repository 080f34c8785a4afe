#!/usr/bin/env bash
# bench-callgrind.sh BENCH - instructions per malloc+free pair under
# callgrind, for each allocator and a few sizes: events are collected only
# inside the allocators' malloc and free entry points (inclusive of what they
# call), over N pairs of heap_bench's "run W ALLOC N" mode.
set -u
bench=$1
n=200000
out=$(dirname "$bench")/callgrind
mkdir -p "$out"
export GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384
sizes=(16 64 512 4096 65536) # workloads 0..4 of heap_bench

if ! command -v valgrind >/dev/null; then
	echo "# valgrind not found: no instruction counts"
	exit 0
fi
printf '| instructions per malloc+free (callgrind) |'
for s in "${sizes[@]}"; do printf ' %s B |' "$s"; done
printf '\n|---|'
for _ in "${sizes[@]}"; do printf -- '---:|'; done
printf '\n'
for alloc in spanfence glibc mimalloc jemalloc; do
	printf '| %s |' "$alloc"
	for w in "${!sizes[@]}"; do
		f=$out/$alloc.$w.out
		if valgrind --tool=callgrind --callgrind-out-file="$f" \
			--toggle-collect=sf_malloc --toggle-collect=sf_free \
			--toggle-collect=malloc --toggle-collect=free \
			--toggle-collect=mi_malloc --toggle-collect=mi_free \
			"$bench" run "$w" "$alloc" "$n" >/dev/null 2>&1; then
			ir=$(awk '/^summary:/ {print $2}' "$f")
			printf ' %s |' "$(awk -v ir="$ir" -v n="$n" \
				'BEGIN {printf "%.1f", ir / n}')"
		else
			printf ' - |'
		fi
	done
	printf '\n'
done
