#!/usr/bin/env bash
# model.sh - check model/span_publish.pml with spin (make model).
#
# The model (see its header) is span allocation publishing a span and then a
# pointer into it, through a store buffer that drains in any order, against
# the collector loading the pointer and looking up its span. Three runs:
#
#   no barrier   spin must find the assertion violation "pointer to
#                unallocated span"; the shortest trail is replayed and
#                printed as the order in which the stores reached memory.
#   barrier      (-DBARRIER) the model must verify: no errors, full search;
#                the state count is printed.
#   vacuity      (-DBARRIER -DVACUITY) an assert(false) right after the
#                collector's check must be reachable, so "verifies" above does
#                not just mean the collector never looked.
#
# Work files go to build/model/<run>/. Appends "PASS model: ..." or
# "FAIL model: ..." lines to $RESULTS (default build/results/model.result).
# Exits 0 only if all three hold. Takes a few seconds (spin + gcc per run).
set -u
cd "$(dirname "$0")/.." || exit 1
model=${MODEL:-model/span_publish.pml} # MODEL= to check a variant
results=${RESULTS:-build/results/model.result}
work=build/model
mkdir -p "$(dirname "$results")" "$work"
failures=0

pass() { echo "ok model: $*"; echo "PASS model: $*" >>"$results"; }
fail() { echo "not ok model: $*"; echo "FAIL model: $*" >>"$results"; failures=$((failures + 1)); }

for tool in spin gcc; do
	if ! command -v $tool >/dev/null; then
		fail "$tool not installed (Debian package $tool)"
		exit 1
	fi
done

# run NAME SPIN_DEFINES PAN_CFLAGS PAN_ARGS: build and run pan in
# $work/NAME; leaves pan's output in $work/NAME/pan.out.
run() {
	local dir=$work/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$model" "$dir/span_publish.pml"
	# shellcheck disable=SC2086 # the defines and flags are words on purpose
	(
		cd "$dir" || exit 1
		spin $2 -a span_publish.pml >spin.out 2>&1 &&
			gcc -O2 -w $3 -o pan pan.c >gcc.out 2>&1 &&
			./pan $4 >pan.out 2>&1
	)
	# pan exits non-zero when it finds an error: judge pan.out instead.
	[ -s "$dir/pan.out" ] || { cat "$dir"/spin.out "$dir"/gcc.out 2>/dev/null; return 1; }
}

errors() { sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$1" | tail -n1; }
stored() { sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' "$1" | tail -n1; }

# 1. Without the barrier: the violation, with the shortest trail (-i needs
#    -DREACH to be exact).
if run nobarrier "" "-DSAFETY -DREACH" "-m10000 -i"; then
	out=$work/nobarrier/pan.out
	if [ "$(errors "$out")" != 0 ] && [ -f $work/nobarrier/span_publish.pml.trail ] &&
		grep -q 'assertion violated' "$out"; then
		echo "# without the publication barrier spin finds (shortest trail):"
		story=$(cd $work/nobarrier && spin -t span_publish.pml 2>&1 |
			sed -n 's/^ *MSC: //p')
		echo "$story" | sed 's/^/#   /'
		# The summary: which stores reached memory (in order) and which
		# were still in the buffer when the collector looked.
		drained=$(echo "$story" | sed -n 's/^memory: //p')
		buffered=$(echo "$story" | sed -n 's/^mutator: \(.*\) (buffered)$/\1/p')
		still=$(grep -vxF -f <(echo "$drained") <<<"$buffered" | paste -sd ',' | sed 's/,/, /g')
		order=$(echo "$drained" | paste -sd ',' | sed 's/,/, then /g')
		echo "# summary: reached memory: $order; still buffered: ${still:-nothing}"
		pass "without BARRIER_SPAN_PUBLISH spin finds 'pointer to unallocated span' ($(stored "$out") states; reached memory: $order; still buffered: ${still:-nothing})"
	else
		fail "without the barrier spin found no violation ($out)"
	fi
else
	fail "no-barrier run did not build or run (see $work/nobarrier)"
fi

# 2. With the barrier: a full search without errors.
if run barrier "-DBARRIER" "-DSAFETY" "-m10000"; then
	out=$work/barrier/pan.out
	if [ "$(errors "$out")" = 0 ] && ! grep -q 'Search not completed\|max search depth too small' "$out"; then
		depth=$(sed -n 's/.*depth reached \([0-9][0-9]*\).*/\1/p' "$out" | tail -n1)
		echo "# with the publication barrier the model verifies: $(stored "$out") states stored, depth $depth, 0 errors"
		pass "with BARRIER_SPAN_PUBLISH the model verifies ($(stored "$out") states, 0 errors)"
	else
		fail "with the barrier the model did not verify ($out)"
	fi
else
	fail "barrier run did not build or run (see $work/barrier)"
fi

# 3. The verification is not vacuous: the collector does check a pointer.
if run vacuity "-DBARRIER -DVACUITY" "-DSAFETY" "-m10000"; then
	out=$work/vacuity/pan.out
	# The only assertion that may fail here is the assert(false).
	if [ "$(errors "$out")" != 0 ] && grep -q 'assertion violated' "$out" &&
		! grep -q 'assertion violated ((s' "$out"; then
		pass "with the barrier the collector does reach its check with the pointer visible (not vacuous)"
	else
		fail "vacuity check: the collector never checks a visible pointer ($out)"
	fi
else
	fail "vacuity run did not build or run (see $work/vacuity)"
fi

[ "$failures" -eq 0 ]
