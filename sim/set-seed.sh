#!/usr/bin/env bash
# set-seed.sh IMAGE SEED [OUT] - patch the store-buffer simulator's seed into
# a simulation-build image (ELF or raw .bin), so that sim_boot() uses it.
#
# Finds the marker "SPANFENCE-SEED:" (sim/storebuf.c, image_seed) exactly
# once in IMAGE and writes SEED (decimal or 0x hex, nonzero) as 8 bytes
# little-endian (every spanfence board is little-endian) at marker + 16.
# With OUT, IMAGE is copied to OUT first and OUT is patched (use a copy per
# run when runs go in parallel). Prints the patched file's name.
set -eu
image=$1 seed=$2 out=${3:-$1}
marker=SPANFENCE-SEED:

offsets=$(grep -obUa "$marker" "$image" | cut -d: -f1 || true)
count=$(printf '%s\n' "$offsets" | grep -c . || true)
if [ "$count" -ne 1 ]; then
	echo "set-seed: marker found $count times in $image (not a simulation build?)" >&2
	exit 1
fi
value=$((seed))
if [ "$value" -eq 0 ]; then
	echo "set-seed: the seed must be nonzero (0 means: no seed)" >&2
	exit 1
fi
[ "$out" = "$image" ] || cp "$image" "$out"
bytes=
for i in 0 1 2 3 4 5 6 7; do
	bytes+=$(printf '\\x%02x' $(((value >> (8 * i)) & 0xff)))
done
printf "%b" "$bytes" | dd of="$out" bs=1 seek=$((offsets + 16)) conv=notrunc status=none
echo "$out"
