#!/bin/sh
# Dependencies point one way: policy/ and sigv4/ include nothing of ours but
# themselves; store/ may include policy/; executor/ includes only itself (the server drives it);
# nothing below server/ includes server/ or cli/.
root=${1:-.}
fail=0
check() {  # check DIR ALLOWED-PREFIXES...
  dir=$1; shift
  [ -d "$root/$dir" ] || return 0
  allowed=$(printf '%s|' "$@"); allowed=${allowed%|}
  bad=$(grep -rnE '#include "(policy|sigv4|store|executor|server|cli)/' "$root/$dir" | grep -vE "#include \"($allowed)/") || true
  if [ -n "$bad" ]; then echo "layering violation in $dir/:"; echo "$bad"; fail=1; fi
}
check policy policy
check sigv4 sigv4
check store store policy
check executor executor
check server server store policy sigv4 executor
# No std::regex anywhere: patterns are hand-written or Spirit X3 grammars.
regex=$(grep -rlE '#include <regex>|std::regex' --include='*.cc' --include='*.h' \
  "$root/policy" "$root/sigv4" "$root/store" "$root/executor" "$root/server" "$root/cli" "$root/tests" "$root/bench" "$root/fuzz" 2>/dev/null \
  | grep -v 'tests/sigv4/source_rules_test.cc' | grep -v 'tests/shapes.h' \
  | grep -v 'cli/test.cc') || true  # gatehouse test --run: a user's filter over case names, never a request
if [ -n "$regex" ]; then echo "std::regex used in:"; echo "$regex"; fail=1; fi
[ $fail -eq 0 ] && echo "layering: ok"
exit $fail
