# bash completion for tasktrace and tasktraced. The commands and options
# come from the programs' own --help, so they are always the installed ones.
# Installed as share/bash-completion/completions/{tasktrace,tasktraced}.

_tasktrace_opts() { # _tasktrace_opts PROG [CMD]: the --options of a --help
  "$@" --help 2>/dev/null | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+'
}

_tasktrace() {
  local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]} cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
  done
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "--help --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$("$prog" --help 2>/dev/null |
        awk '/^commands:$/ { c = 1; next } c && /^  [a-z]/ { print $1 }')" -- "$cur")
    fi
    return
  fi
  # After `record --`, complete the program and its arguments as bash would.
  for ((i = 2; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == -- ]]; then
      _command_offset $((i + 1)) 2>/dev/null || mapfile -t COMPREPLY < <(compgen -c -- "$cur")
      return
    fi
  done
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_tasktrace_opts "$prog" "$cmd") --help" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur") # traces: files and LTTng directories
  fi
}

_tasktraced() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  case $prev in
    --socket) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    --dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
  esac
  mapfile -t COMPREPLY < <(compgen -W "$(_tasktrace_opts "${COMP_WORDS[0]}") --help" -- "$cur")
}

complete -o filenames -F _tasktrace tasktrace
complete -o filenames -F _tasktraced tasktraced
