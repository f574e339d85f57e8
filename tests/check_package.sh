#!/bin/bash
# `make install` and `make package` hold: the install rules put a working binary, its bash
# completion and the docs under a prefix; the Debian package CPack builds unpacks into a scratch
# root whose binary runs (--version, --help) and whose completion completes commands and flags.
# usage: check_package.sh BUILD_DIR
set -u
build=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}

# make install, with a prefix of our own.
cmake --install "$build" --prefix "$scratch/prefix" >"$scratch/install.log" 2>&1 || { cat "$scratch/install.log"; exit 1; }
version=$("$scratch/prefix/bin/gatehouse" --version)
check "installed binary prints its version ($version)" grep -qE '^gatehouse [0-9]+\.[0-9]+\.[0-9]+$' <<<"$version"
check "installed completion" test -f "$scratch/prefix/share/bash-completion/completions/gatehouse"
check "installed docs" test -f "$scratch/prefix/share/doc/gatehouse/docs/world-file.md"

# make package, unpacked into a scratch root.
(cd "$build" && cpack -G DEB -B "$scratch/package" >"$scratch/cpack.log" 2>&1) || { cat "$scratch/cpack.log"; exit 1; }
deb=$(ls "$scratch"/package/gatehouse_*.deb 2>/dev/null | head -n 1)
check "cpack built a .deb ($(basename "${deb:-none}"))" test -n "$deb"
[ -n "$deb" ] || exit 1
check "the package is named gatehouse" test "$(dpkg-deb -f "$deb" Package)" = gatehouse
check "the package declares its dependencies" grep -q liblmdb0 <<<"$(dpkg-deb -f "$deb" Depends)"
dpkg-deb -x "$deb" "$scratch/root"
bin="$scratch/root/usr/bin/gatehouse"
check "the packaged binary runs: $("$bin" --version)" test "$("$bin" --version)" = "$version"
check "the packaged binary's --help names --version" grep -q -- '--version' <<<"$("$bin" --help)"
completion="$scratch/root/usr/share/bash-completion/completions/gatehouse"
check "the package holds the bash completion" test -f "$completion"
complete_words() {  # complete_words WORD... : what completing the last word offers
  PATH="$scratch/root/usr/bin:$PATH" bash -c '
    source "$0"
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _gatehouse
    printf "%s\n" "${COMPREPLY[@]}"' "$completion" "$@"
}
check "completion offers the commands" grep -qx serve <<<"$(complete_words gatehouse se)"
check "completion offers serve's flags" test "$(complete_words gatehouse serve --bootstrap | sort | tr '\n' ' ')" = "--bootstrap --bootstrap-mode "
check "completion offers a flag's values" test "$(complete_words gatehouse serve --log-format j)" = json
check "completion offers validate's --type values" grep -qx trust <<<"$(complete_words gatehouse validate --type t)"
exit $fail
