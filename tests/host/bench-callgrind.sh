#!/usr/bin/env bash
# bench-callgrind.sh BENCH - instructions per malloc+free pair under
# callgrind, for each allocator: events are collected only inside the
# allocators' malloc and free entry points (inclusive of what they call),
# over heap_bench's "run W ALLOC N" mode: N pairs of a few sizes (workloads
# 0..4), then the batch, working-set and producer/consumer workloads
# (5..7, divided by the pairs the run reports; callgrind runs the two
# producer/consumer threads one at a time).
set -u
bench=$1
n=200000
out=$(dirname "$bench")/callgrind
mkdir -p "$out"
export GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384
sizes=(16 64 512 4096 65536) # workloads 0..4 of heap_bench
workloads=("batch" "working set" "producer/consumer") # 5..7

if ! command -v valgrind >/dev/null; then
	echo "# valgrind not found: no instruction counts"
	exit 0
fi

# per_pair ALLOC W N: instructions per pair of workload W, or "-"
per_pair() {
	local f=$out/$1.$2.out pairs ir
	if pairs=$(valgrind --tool=callgrind --callgrind-out-file="$f" \
		--toggle-collect=sf_malloc --toggle-collect=sf_free \
		--toggle-collect=malloc --toggle-collect=free \
		--toggle-collect=mi_malloc --toggle-collect=mi_free \
		"$bench" run "$2" "$1" "$3" 2>/dev/null); then
		pairs=${pairs%% *}
		ir=$(awk '/^summary:/ {print $2}' "$f")
		awk -v ir="$ir" -v n="$pairs" 'BEGIN {printf "%.1f", ir / n}'
	else
		printf -- '-'
	fi
}

printf '| instructions per malloc+free (callgrind) |'
for s in "${sizes[@]}"; do printf ' %s B |' "$s"; done
for w in "${workloads[@]}"; do printf ' %s |' "$w"; done
printf '\n|---|'
for _ in "${sizes[@]}" "${workloads[@]}"; do printf -- '---:|'; done
printf '\n'
for alloc in spanfence glibc mimalloc jemalloc; do
	printf '| %s |' "$alloc"
	for w in "${!sizes[@]}"; do
		printf ' %s |' "$(per_pair "$alloc" "$w" "$n")"
	done
	for w in "${!workloads[@]}"; do
		printf ' %s |' "$(per_pair "$alloc" $((w + 5)) 0)"
	done
	printf '\n'
done
