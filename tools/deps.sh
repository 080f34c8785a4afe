#!/usr/bin/env bash
# Check the host tools spanfence needs; install what is missing.
#
#   tools/deps.sh [GROUP...]     GROUP: test (default) | bench (= test + allocator libs)
#
# Silent with exit 0 when everything is present. When something is missing:
# as root on Debian, apt-get update once and install the missing packages;
# otherwise print the packages to install and exit 1.
set -euo pipefail

# group  check (cmd:NAME | file:PATH | dir:PATH | glob:PATTERN)          Debian package
DEPS='
test   cmd:qemu-system-riscv64                                           qemu-system-misc
test   cmd:qemu-system-mips64el                                          qemu-system-mips
test   file:/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin    opensbi
test   cmd:riscv64-unknown-elf-gcc                                       gcc-riscv64-unknown-elf
test   cmd:mips64el-linux-gnuabi64-gcc                                   gcc-mips64el-linux-gnuabi64
test   dir:/usr/src/newlib                                               newlib-source
test   cmd:gcc                                                           build-essential
test   cmd:make                                                          build-essential
test   cmd:clang                                                         clang
test   glob:/usr/lib/llvm-14/lib/clang/14*/lib/linux/libclang_rt.fuzzer-x86_64.a  libclang-rt-14-dev
test   cmd:xz                                                            xz-utils
test   cmd:mkimage                                                       u-boot-tools
test   file:/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf                 u-boot-qemu
test   cmd:gdb-multiarch                                                 gdb-multiarch
test   cmd:spin                                                          spin
test   cmd:valgrind                                                      valgrind
test   cmd:cppcheck                                                      cppcheck
test   cmd:clang-format                                                  clang-format
test   cmd:dtc                                                           device-tree-compiler
test   cmd:timeout                                                       coreutils
bench  file:/usr/include/gc.h                                            libgc-dev
bench  file:/usr/include/mimalloc.h                                      libmimalloc-dev
bench  file:/usr/include/jemalloc/jemalloc.h                             libjemalloc-dev
'
# Groups that pull in other groups.
declare -A IMPLIES=([bench]=test)

usage() {
    echo "usage: $0 [test|bench]..." >&2
    exit 2
}

declare -A want=()
add_group() {
    [ -n "${want[$1]:-}" ] && return 0
    want[$1]=1
    [ -n "${IMPLIES[$1]:-}" ] && add_group "${IMPLIES[$1]}"
    return 0
}
[ $# -gt 0 ] || set -- test
for g in "$@"; do
    case "$g" in
    test | bench) add_group "$g" ;;
    -h | --help) usage ;;
    *) echo "deps.sh: unknown group '$g'" >&2; usage ;;
    esac
done

present() {
    local kind=${1%%:*} what=${1#*:}
    case "$kind" in
    cmd) command -v "$what" >/dev/null 2>&1 ;;
    file) [ -f "$what" ] ;;
    dir) [ -d "$what" ] ;;
    glob) compgen -G "$what" >/dev/null ;;
    *) echo "deps.sh: bad check '$1'" >&2; exit 2 ;;
    esac
}

# Prints "check package" for every missing item of the wanted groups.
missing_items() {
    local group check pkg
    while read -r group check pkg; do
        [ -n "$group" ] || continue
        [ -n "${want[$group]:-}" ] || continue
        present "$check" || echo "$check $pkg"
    done <<<"$DEPS"
}

missing=$(missing_items)
[ -z "$missing" ] && exit 0

pkgs=$(awk '{print $2}' <<<"$missing" | sort -u | tr '\n' ' ')
pkgs=${pkgs% }

if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: installing: $pkgs" >&2
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs
    hash -r
    still=$(missing_items)
    if [ -n "$still" ]; then
        echo "deps.sh: still missing after install:" >&2
        while read -r l; do echo "  $l"; done <<<"$still" >&2
        exit 1
    fi
    exit 0
fi

echo "deps.sh: missing (check -> Debian package):" >&2
while read -r c p; do echo "  $c -> $p"; done <<<"$missing" >&2
echo "Install with:" >&2
echo "  sudo apt-get install --no-install-recommends $pkgs" >&2
exit 1
