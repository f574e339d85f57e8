# bash completion for gatehouse: commands, and each command's flags as its --help lists them
# (so completion never falls behind the binary), with values for the flags that take a word.
_gatehouse() {
  local cur prev cword
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  cword=$COMP_CWORD
  local bin=${COMP_WORDS[0]}
  if ((cword == 1)); then
    local commands
    commands=$("$bin" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { on = 0 }')
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return
  fi
  local command=${COMP_WORDS[1]}
  case $prev in
    --log-format) mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur"); return ;;
    --bootstrap-mode) mapfile -t COMPREPLY < <(compgen -W "create-only apply" -- "$cur"); return ;;
    --type)
      mapfile -t COMPREPLY < <(compgen -W "identity inline-user inline-group inline-role boundary session trust resource simulator-identity simulator-resource scp rcp" -- "$cur")
      return ;;
    --data | --local-dir | --blob-dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    --listen | --grpc-listen | --region | --idle-timeout | --header-timeout | --drain-timeout) return ;;
    --run | --coverage-min) return ;;  # gatehouse test: a regular expression, a percentage
    --store | --etcd-user | --etcd-password | --sidecar-unavailable-status) return ;;
  esac
  if [[ $cur == -* ]]; then
    local flags
    flags=$("$bin" "$command" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -o filenames -F _gatehouse gatehouse
