#!/bin/bash
# The command line as its table describes it: usage errors name the option and the form it takes and
# suggest the nearest one; every option is in --help, in okra(1) and in the bash completion, and
# nowhere else.
source "$(dirname "$0")/../lib/tap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAN=$ROOT/doc/okra.1
test_vault
before=$(vault_snapshot "$V")

# ---- usage errors: exit 2, a first line that names what was wrong, nothing done ----
usage_error() { # NAME REGEX ARGS...: exit 2, the first line of stderr matches REGEX
  local name=$1 want=$2; shift 2
  run_okra --vault "$V" "$@"
  is "$RC" 2 "$name: exit 2"
  like "${ERR%%$'\n'*}" "$want" "$name: $want"
}
usage_error "list --bogus"               "list: unknown option --bogus"                 list --bogus
usage_error "verify --bogus"             "verify: unknown option --bogus"               verify --bogus
usage_error "show --bogus x"             "show: unknown option --bogus"                 show --bogus x
usage_error "list --subject (no value)"  "list: --subject needs a value: --subject TEXT" list --subject
usage_error "a near option"              "unknown option --subjet; did you mean --subject\?" list --subjet alice
usage_error "a near global option"       "unknown option --jsno; did you mean --json\?" list --jsno
usage_error "a near command"             "'lsit' is not an okra command; did you mean 'list'\?" lsit
usage_error "an unknown command"         "'frobnicate' is not an okra command \(see 'okra --help'\)" frobnicate
usage_error "a near subcommand"          "'recovr' is not a ceremony subcommand; did you mean 'recover'\?" ceremony recovr
usage_error "no subcommand"              "ceremony: name a subcommand"                  ceremony
usage_error "another command's option"   "--as is not an option of 'scan' \(it is one of 'import'\)" scan --as kms "$TMP"
usage_error "a flag given a value"       "--inspect takes no value"                     import --inspect=yes "$TMP/x"
usage_error "an ambiguous prefix"        "--s is ambiguous: --share-dir, --show-mnemonic" ceremony init --s 3
usage_error "a short option"             "unknown option -x"                            import -x "$TMP/x"
usage_error "a bad number"               "--limit takes a whole number, 1 or more, not 'ten'" list --limit ten
usage_error "a bad size"                 "--max-size takes a size in bytes"             scan --max-size 12Q "$TMP"
usage_error "a bad --as"                 "--as takes kms, epf or opaque, not 'pgp'"          import --as pgp "$TMP/x"
usage_error "a bad custodian count"      "--custodians takes a number from 1 to 16, not '0'" \
  ceremony init --custodians 0 --threshold 1 --share-dir "$TMP/s"
usage_error "a missing required option"  "ceremony init: --share-dir DIR is needed"     ceremony init --custodians 2 --threshold 1
usage_error "reshare without --share"    "ceremony reshare: --share FILE is needed"     ceremony reshare --custodians 2 --threshold 1 --share-dir "$TMP/s"
usage_error "a missing --match value"    "ceremony recover: --match needs a value: --match PROP=GLOB" \
  ceremony recover --watch --out "$TMP/o" --match
# recover --watch --match: the options parse (the ITEM is what is missing), so no medium is waited for
usage_error "recover --watch --match"    "ceremony recover: name at least one ITEM"     \
  ceremony recover --watch --out "$TMP/o" --match ID_BUS=usb
usage_error "a needless operand"         "log: takes no operand"                        log extra
usage_error "show without ITEM"          "show: name the ITEM to show"                  show
run_okra --vault "$V" list --bogus
like "$ERR" $'\n''usage: okra list \[--path TEXT\]' "a usage error shows the synopsis"
is "$(vault_snapshot "$V")" "$before" "no usage error touched the vault"
# options and operands in any order; "--" ends the options
run_okra --vault "$V" list --limit 1 --json
is "$RC" 0 "global options after the command's"
run_okra --vault "$V" show -- --bogus
is "$RC" 1 "after --, a word that looks like an option is an operand"
like "$ERR" "bogus" "and is looked up as an item"

# ---- help: every command, from the table ----
commands=$(must_okra --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
is "$(echo $commands)" "ceremony import scan mediawatch list show inspect log record reindex verify checkpoint help version" \
   "okra --help lists every command"
subs=$(must_okra ceremony --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $2 }')
is "$(echo $subs)" "init recover check-share reshare" "okra ceremony --help lists the subcommands"
run_okra help ceremony init
is "$RC" 0 "okra help ceremony init"
like "${OUT%%$'\n'*}" "^usage: okra ceremony init --custodians N" "prints that subcommand's help, not the overview"
is "$OUT" "$(must_okra ceremony init --help)" "the same as 'okra ceremony init --help'"
is "$(must_okra help ceremony)" "$(must_okra ceremony --help)" "okra help ceremony is the overview"
run_okra help frobnicate
is "$RC" 2 "help for an unknown command is a usage error"

# The options --help lists ("--name" or "--name=VALUE" words, sorted).
help_options() { must_okra "$@" --help | sed -n '/^Options:/,/^$/p' | sed -n 's/^  \(--[a-z-]*\)\( [^ ][^ ]*\)\{0,1\}.*/\1\2/p' |
  sed 's/ .*/=V/' | sort | tr '\n' ' '; }
# The options okra(1) describes in a section (".TP" entries), the same way.
man_section() { awk -v s="$1" '$0 == ".SS " s || $0 == ".SH " s { on = 1; next } /^\.S[HS] / { on = 0 } on' "$MAN"; }
man_options() {
  man_section "$1" | awk '/^\.T[PQ]$/ { getline; print }' | sed 's/\\-/-/g' |
    grep -o -- '--[a-z-]*[ "]*[A-Za-z]*' | sed 's/"//g; s/  */ /g; s/ *$//; s/ [A-Za-z].*/=V/; s/ .*//' | sort -u | tr '\n' ' '
}
# The synopsis of a command in okra(1): from ".B okra CMD" to the next ".br".
man_synopsis() {
  awk -v s=".B okra $1" '$0 == s { on = 1 } on && /^\.br$/ { exit } on' "$MAN" | sed 's/\\-/-/g' |
    grep -o -- '--[a-z-]*' | sort -u | tr '\n' ' '
}
# The bash completion's list, the same way.
source "$ROOT/dist/okra.bash-completion"
completion_options() {
  local o out=""
  for o in $(_okra_options "$1"); do
    if _okra_takes_value "$o"; then out+="$o=V"$'\n'; else out+="$o"$'\n'; fi
  done
  printf '%s' "$out" | sort | tr '\n' ' '
}
check_command() { # "ceremony init" or "list"
  local c=$1 section; section=$(sed 's/-/\\\\-/g' <<<"okra $c")
  local h; h=$(help_options $c)
  is "$(man_options "$section")" "$h" "okra $c: okra(1) describes the options --help lists"
  is "$(completion_options "$c")" "$h" "okra $c: the bash completion knows them, and which take a value"
  is "$(man_synopsis "$(sed 's/-/\\\\-/g' <<<"$c")")" "$(sed 's/=V//g' <<<"$h" | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')" \
     "okra $c: okra(1)'s synopsis names them"
}
for c in $commands; do
  case $c in
  ceremony) for s in $subs; do check_command "ceremony $s"; done ;;
  help | version) run_okra $c --help; is "$RC" 0 "okra $c --help" ;;
  *) check_command "$c" ;;
  esac
done
globals=$(must_okra --help | sed -n '/^Global options:/,/^$/p' | sed -n 's/^  \(--[a-z-]*\)\( [^ ][^ ]*\)\{0,1\}.*/\1\2/p' |
  sed 's/ .*/=V/' | sort | tr '\n' ' ')
is "$(man_options "GLOBAL OPTIONS")" "$globals" "okra(1) describes the global options okra --help lists"
comp_globals=""
for o in $_okra_globals; do if _okra_takes_value "$o"; then comp_globals+="$o=V"$'\n'; else comp_globals+="$o"$'\n'; fi; done
is "$(printf '%s' "$comp_globals" | sort | tr '\n' ' ')" "$globals" "the bash completion knows the global options"
is "$_okra_commands" "$(echo $commands)" "the bash completion knows every command"
is "$_okra_subcommands" "$(echo $subs)" "and every ceremony subcommand"

# ---- the completion at work ----
complete_words() { # WORDS...: what _okra offers for the last word
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _okra; echo "${COMPREPLY[*]}"
}
is "$(complete_words okra ceremony re)" "recover reshare" "okra ceremony re<TAB>"
is "$(complete_words okra --vault /x imp)" "import" "a global option's value is skipped"
is "$(complete_words okra list --su)" "--subject" "okra list --su<TAB>"
is "$(complete_words okra import --as '')" "kms epf opaque" "okra import --as <TAB>"
is "$(complete_words okra help ceremony ch)" "check-share" "okra help ceremony ch<TAB>"
mkdir -p "$TMP/comp/dir-a"; touch "$TMP/comp/file-b"
is "$(complete_words okra scan "$TMP/comp/")" "$TMP/comp/dir-a" "scan completes folders only"

# ---- make install puts the completion where bash-completion looks ----
# -o okra: the binary as it is, never rebuilt under the other tests running beside this one
if make -s -o okra -C "$ROOT" install DESTDIR="$TMP/stage" PREFIX=/usr >/dev/null 2>&1; then
  ok "make install puts the completion in share/bash-completion/completions/okra" \
    cmp "$ROOT/dist/okra.bash-completion" "$TMP/stage/usr/share/bash-completion/completions/okra"
else
  _result 1 "make install DESTDIR=$TMP/stage PREFIX=/usr"
fi

done_testing
