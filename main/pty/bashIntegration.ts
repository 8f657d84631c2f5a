/**
 * Bash shell integration: the rcfile that makes bash mark its prompts and commands (see markerParser.ts),
 * and how a cell's text is typed so that it runs as one command in the current shell.
 */

/** What the host writes once a prompt's end marker is parsed: the prompt command reads input away up to it. */
export function promptAcknowledgement(nonce: string): string {
  return `${nonce}\x1d`;
}

/** The rcfile for `bash --noprofile --rcfile <file>`; the nonce lives only in unexported variables. */
export function bashIntegrationScript(nonce: string): string {
  return `# Steerway shell integration, generated for one shell and deleted once read.
if [[ -r ~/.bashrc ]]; then
  # In a || list errexit is ignored: a failing or broken ~/.bashrc leaves the shell running.
  . ~/.bashrc || true
fi
set +e
# However the shell ends (\`exit\`, or its terminal gone because the app or its pty host died), nothing it started
# outlives it: every other process of its session is killed, \`nohup\` and disowned jobs too (found in /proc: Linux).
# An EXIT trap from ~/.bashrc runs first.
__steerway_user_exit_trap=$(trap -p EXIT)
__steerway_user_exit_trap=\${__steerway_user_exit_trap#trap -- }
eval "__steerway_user_exit_trap=\${__steerway_user_exit_trap% EXIT}"
__steerway_end_session() {
  local stat line fields
  eval "$__steerway_user_exit_trap"
  for stat in /proc/[0-9]*/stat; do
    read -r line < "$stat" 2>/dev/null || continue
    # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
    fields=(\${line##*) })
    if [[ \${fields[3]} == "$$" && \${line%% *} != "$$" ]]; then kill -KILL "\${line%% *}" 2>/dev/null; fi
  done
}
trap __steerway_end_session EXIT
# Cells are kept in the journal; the typed \`builtin eval $'...'\` lines stay out of ~/.bash_history.
set +o history
__steerway_nonce=${nonce}
__steerway_user_prompt_command=("\${PROMPT_COMMAND[@]}")
__steerway_set_status() { return "$1"; }
# Backslashes and control characters of the path are escaped, so a marker always ends at its BEL.
__steerway_escape_cwd() {
  local path=\${PWD//\\\\/\\\\\\\\} escaped= char i
  if [[ $path == *[[:cntrl:]]* ]]; then
    for ((i = 0; i < \${#path}; i++)); do
      char=\${path:i:1}
      if [[ $char == [[:cntrl:]] ]]; then printf -v char '\\\\x%02x' "'$char"; fi
      escaped+=$char
    done
    path=$escaped
  fi
  __steerway_cwd=$path
}
__steerway_precmd() {
  local status=$? command
  for command in "\${__steerway_user_prompt_command[@]}"; do
    __steerway_set_status "$status"
    eval "$command"
  done
  __steerway_escape_cwd
  printf '\\e]633;P;%s;Cwd=%s\\a\\e]133;D;%s;%s\\a' "$__steerway_nonce" "$__steerway_cwd" "$__steerway_nonce" "$status"
  # Keys typed for a command that has ended must not run as the next command: what the terminal still holds is
  # read away, silently, up to the host's acknowledgement of this prompt (the nonce, then GS), which it sends once it
  # stops passing keys on. (The terminal closing ends the wait; a GS typed by the user does not.)
  local drained
  while IFS= read -r -s -t 60 -d $'\\x1d' drained; do [[ $drained == *"$__steerway_nonce" ]] && break; done
  # Set on every prompt: a prompt command from ~/.bashrc (starship, ...) may have replaced them.
  PS1=$'\\\\[\\e]133;A;'"$__steerway_nonce"$'\\a\\\\]$ \\\\[\\e]133;B;'"$__steerway_nonce"$'\\a\\\\]'
  PS0=$'\\e]133;C;'"$__steerway_nonce"$'\\a'
  PS2=
}
PROMPT_COMMAND=__steerway_precmd
`;
}

/**
 * The line typed at the prompt for a cell: `builtin eval $'...'` runs any text, multi-line and heredocs included,
 * as one command in the current shell. Everything but printable ASCII is escaped, so readline sees no control keys,
 * no history expansion and no 8-bit input whatever the locale.
 */
export function commandLine(command: string): string {
  let quoted = '';
  for (const byte of Buffer.from(command, 'utf8')) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x27 /* ' */ && byte !== 0x5c /* \ */ && byte !== 0x21; /* ! */
    quoted += printable ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `builtin eval $'${quoted}'\r`;
}
