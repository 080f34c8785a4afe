#!/usr/bin/env bash
# Build newlib (libc.a, libm.a and headers) for one spanfence target from
# Debian's newlib-source tarball.
#
#   tools/build-newlib.sh TARGET OUTDIR      TARGET: riscv64 | mips64el
#
# Result (stable layout, relative symlinks into the sysroot-style install):
#   OUTDIR/include/        newlib headers
#   OUTDIR/lib/libc.a      OUTDIR/lib/libm.a
#   OUTDIR/build.log       configure/make output of the last build
#   OUTDIR/.stamp          cache key; a matching stamp makes this script a no-op
#
# Both builds use --enable-newlib-retargetable-locking: the runtime must define
# all __lock___*_mutex objects and all __retarget_lock_* functions itself
# (newlib's libc/misc/lock.c holds non-weak dummies of the same names, so a
# partial set gives "multiple definition" link errors).
set -euo pipefail

usage() {
    echo "usage: $0 riscv64|mips64el OUTDIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
TARGET=$1
OUTDIR=$2
[ -n "$OUTDIR" ] || usage

# Keep a caller's build settings (e.g. an exported target CC/CFLAGS, or make
# command-line variables travelling in MAKEFLAGS) out of the host-side configure.
unset CC CXX CPP CFLAGS CXXFLAGS CPPFLAGS LDFLAGS LIBS AR AS LD NM RANLIB OBJCOPY OBJDUMP STRIP
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS

COMMON_CONFIG=(
    --disable-newlib-supplied-syscalls
    --disable-multilib
    --enable-newlib-retargetable-locking
    --disable-nls
    # Not in the original brief: without these, printf lacks %zu %jd %td %hhd
    # (_WANT_IO_C99_FORMATS), and riscv64 would lack _WANT_IO_LONG_LONG
    # (mips*-elf turns it on by default).
    --enable-newlib-io-c99-formats
    --enable-newlib-io-long-long
    # One stdin/stdout/stderr for all harts; the rest of struct _reent is
    # per hart (boot/reent.c), with -D__DYNAMIC_REENT__ below.
    --enable-newlib-global-stdio-streams
)

case "$TARGET" in
riscv64)
    TRIPLE=riscv64-unknown-elf
    TOOLPFX=riscv64-unknown-elf-
    CFLAGS_T="-O2 -g -mcmodel=medany -march=rv64gc -mabi=lp64d -ffunction-sections -fdata-sections -D__DYNAMIC_REENT__"
    ;;
mips64el)
    TRIPLE=mips64el-elf
    TOOLPFX=mips64el-linux-gnuabi64-
    # GCC 12 rejects -mfix-loongson3-llsc; the workaround lives in GAS
    # (Debian's binutils enables it by default). Ask for it explicitly.
    CFLAGS_T="-mabi=64 -march=mips64r2 -mno-abicalls -fno-pic -G0 -ffreestanding -O2 -g -Wa,-mfix-loongson3-llsc -ffunction-sections -fdata-sections -D__DYNAMIC_REENT__"
    ;;
*)
    usage
    ;;
esac

TOOLS_T=(CC:gcc AR:ar AS:as LD:ld NM:nm RANLIB:ranlib OBJDUMP:objdump OBJCOPY:objcopy READELF:readelf STRIP:strip)
TOOL_ENV=()
for t in "${TOOLS_T[@]}"; do
    var=${t%%:*} tool=${TOOLPFX}${t#*:}
    command -v "$tool" >/dev/null 2>&1 || { echo "build-newlib: $tool not found (run tools/deps.sh)" >&2; exit 1; }
    TOOL_ENV+=("${var}_FOR_TARGET=$tool")
done

shopt -s nullglob
tarballs=(/usr/src/newlib/newlib-*.tar.xz)
shopt -u nullglob
if [ ${#tarballs[@]} -eq 0 ]; then
    echo "build-newlib: no /usr/src/newlib/newlib-*.tar.xz (install newlib-source)" >&2
    exit 1
fi
TARBALL=${tarballs[-1]}   # glob order is sorted; take the newest-looking name

SELF=$(readlink -f "${BASH_SOURCE[0]}")
STAMP_VAL=$(
    {
        cat "$SELF"
        echo "tarball=$(basename "$TARBALL")"
        echo "target=$TARGET triple=$TRIPLE"
        echo "cflags=$CFLAGS_T"
        echo "config=${COMMON_CONFIG[*]}"
        echo "tools=${TOOL_ENV[*]}"
        "${TOOLPFX}gcc" --version | sed -n 1p
    } | sha256sum | cut -d' ' -f1
)

stamp_ok() {
    [ -f "$OUTDIR/.stamp" ] && [ "$(cat "$OUTDIR/.stamp")" = "$STAMP_VAL" ] &&
        [ -f "$OUTDIR/lib/libc.a" ] && [ -f "$OUTDIR/lib/libm.a" ] && [ -d "$OUTDIR/include" ]
}
stamp_ok && exit 0

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd -P)

# Serialise concurrent builds of the same OUTDIR; re-check after the wait.
exec 9>"$OUTDIR/.lock"
flock 9
stamp_ok && exit 0

LOG=$OUTDIR/build.log
WORK=$OUTDIR/.work
: >"$LOG"

fail() {
    echo "build-newlib: $TARGET: $1 failed; last 40 lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    # With -j the first real error is often above the tail.
    grep -m1 -E "(error|Error):" "$LOG" | sed "s/^/build-newlib: first error: /" >&2 || true
    exit 1
}
run() {
    local what=$1
    shift
    echo "+ $*" >>"$LOG"
    "$@" >>"$LOG" 2>&1 || fail "$what"
}

# Start from a clean slate: stale installs would hide a broken build.
rm -rf "$WORK" "${OUTDIR:?}/$TRIPLE" "${OUTDIR:?}/include" "${OUTDIR:?}/lib" "${OUTDIR:?}/.stamp"
mkdir -p "$WORK/build"

start=$(date +%s)
run unpack tar -xJf "$TARBALL" -C "$WORK"
srcdirs=("$WORK"/*/configure)
if [ ${#srcdirs[@]} -ne 1 ] || [ ! -f "${srcdirs[0]}" ]; then fail "locating the unpacked source"; fi
SRC=$(dirname "${srcdirs[0]}")

cd "$WORK/build"
run configure env "${TOOL_ENV[@]}" "CFLAGS_FOR_TARGET=$CFLAGS_T" \
    "$SRC/configure" --target="$TRIPLE" --prefix="$OUTDIR" "${COMMON_CONFIG[@]}"
run make make -j"$(nproc)" all-target-newlib
run install make install-target-newlib

for f in "$TRIPLE/include/stdio.h" "$TRIPLE/lib/libc.a" "$TRIPLE/lib/libm.a"; do
    [ -f "$OUTDIR/$f" ] || fail "install (missing $f)"
done
# Refuse a libc.a that was not built with retargetable locking.
"${TOOLPFX}nm" -A "$OUTDIR/$TRIPLE/lib/libc.a" >"$WORK/libc.nm" 2>>"$LOG" || fail "nm libc.a"
grep -q " U __retarget_lock_acquire_recursive$" "$WORK/libc.nm" ||
    fail "check for __retarget_lock_acquire_recursive in libc.a"

ln -sfn "$TRIPLE/include" "$OUTDIR/include"
ln -sfn "$TRIPLE/lib" "$OUTDIR/lib"
cd "$OUTDIR"
rm -rf "$WORK"
echo "build-newlib: $TARGET built in $(( $(date +%s) - start )) s" >>"$LOG"
echo "$STAMP_VAL" >"$OUTDIR/.stamp"
