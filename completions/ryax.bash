# bash completion for ryax(1).
#
# Install: source this file, or copy it to
# /usr/share/bash-completion/completions/ryax.
#
# To add a command, extend the tables below: a noun goes in _ryax_nouns, its
# verbs in _ryax_verbs[noun], the options of a command in
# _ryax_options["noun verb"] (or _ryax_options[noun] for a noun without
# verbs), and an option that takes a value in _ryax_value_options (with its
# choices in _ryax_option_values, or in _ryax_file_options /
# _ryax_dir_options to complete paths); a command whose argument is a
# directory goes in _ryax_dir_arguments.

_ryax_nouns="version daemon repo action workflow run runs logs site deployments whoami project user token audit variable apikey login logout context"

declare -gA _ryax_verbs=(
  [daemon]="start stop status"
  [repo]="add list show rm scan"
  [action]="list show rm init test lint build build-log build-cancel"
  [workflow]="validate push list show export diff graph deploy undeploy rm errors"
  [runs]="list show results cancel rm"
  [site]="list show token rm"
  [deployments]="list show"
  [project]="list create use members"
  [user]="list add rm"
  [token]="create list revoke"
  [audit]="list"
  [variable]="set list show rm"
  [apikey]="create list revoke require"
  [context]="list use rm"
)

declare -gA _ryax_options=(
  ["daemon start"]="--data-dir --config --listen --log-level --log-file"
  ["repo add"]="--branch --username --password-stdin --ssh-key"
  ["repo scan"]="--ref --force --strict"
  ["action list"]="--repo --kind --category --all-versions"
  ["action init"]="--kind --type --id"
  ["workflow validate"]="--offline --actions"
  ["action build"]="--repo --all --force --wait -v --verbose"
  ["action build-log"]="-f --follow"
  ["action test"]="--input --file --keep"
  ["workflow push"]="--deploy"
  ["workflow show"]="--version"
  ["workflow export"]="--version"
  ["workflow diff"]="--exit-code"
  ["workflow graph"]="--version --format"
  ["workflow deploy"]="--version"
  ["workflow rm"]="--force"
  [run]="--input --file --wait --timeout --priority"
  ["runs list"]="--workflow --status --since --limit"
  ["runs results"]="--download"
  [logs]="--step --trigger -f --follow"
  ["deployments list"]="--workflow"
  ["user add"]="--role --local-uid --password-stdin"
  ["token create"]="--name --expires"
  ["token list"]="--all"
  ["audit list"]="--user --since --limit"
  ["variable set"]="--type --description --from-file"
  ["apikey create"]="--expires"
  [login]="--user --password-stdin --context --insecure-skip-verify"
)

_ryax_global_options="--socket --server --ca-file --project -o --output -q --quiet --no-color --no-autostart --version -h --help"

# Options followed by a value (global and per command).
_ryax_value_options="--socket --server --ca-file --project -o --output --data-dir --config --listen --log-level --log-file"
_ryax_value_options+=" --branch --username --ssh-key --ref --repo --kind --category --type --id --format --input --file"
_ryax_value_options+=" --timeout --priority --workflow --status --since --limit --download --step"
_ryax_value_options+=" --role --local-uid --name --expires --user --context"
_ryax_value_options+=" --description --from-file --actions"

declare -gA _ryax_option_values=(
  [-o]="table json yaml"
  [--output]="table json yaml"
  [--log-level]="trace debug info warn error off"
  [--kind]="processor source publisher"
  [--type]="python3 nodejs"
  [--format]="dot mermaid"
  [--status]="pending running done error cancelled"
  [--role]="admin developer user operator"
)

_ryax_file_options="--socket --config --log-file --ssh-key --ca-file --from-file"
_ryax_dir_options="--data-dir --download --actions"
# Positional arguments that are directories.
declare -gA _ryax_dir_arguments=(
  ["action init"]=1
  ["action test"]=1
  ["action lint"]=1
)
# Commands whose positional argument is a file.
declare -gA _ryax_file_arguments=(
  ["workflow validate"]=1
  ["workflow push"]=1
  ["workflow diff"]=1
)

# Is word $1 in the space-separated list $2?
_ryax_in()
{
  [[ " $2 " == *" $1 "* ]]
}

_ryax()
{
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()

  # The value of an option.
  if [[ $COMP_CWORD -gt 1 ]] && _ryax_in "$prev" "$_ryax_value_options"; then
    if [[ -n ${_ryax_option_values[$prev]+set} ]]; then
      mapfile -t COMPREPLY < <(compgen -W "${_ryax_option_values[$prev]}" -- "$cur")
    elif _ryax_in "$prev" "$_ryax_dir_options"; then
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
    elif _ryax_in "$prev" "$_ryax_file_options"; then
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
  fi

  # The noun and verb typed so far, skipping options and their values.
  local noun="" verb="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $word == -* ]]; then
      if _ryax_in "$word" "$_ryax_value_options"; then
        ((i++))
      fi
    elif [[ -z $noun ]]; then
      noun=$word
    elif [[ -z $verb ]]; then
      verb=$word
    fi
  done

  if [[ $cur == -* ]]; then
    local options=$_ryax_global_options
    if [[ -n $noun ]]; then
      options+=" ${_ryax_options[$noun]:-}"
      if [[ -n $verb ]]; then
        options+=" ${_ryax_options["$noun $verb"]:-}"
      fi
    fi
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  elif [[ -z $noun ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$_ryax_nouns" -- "$cur")
  elif [[ -z $verb && -n ${_ryax_verbs[$noun]:-} ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${_ryax_verbs[$noun]}" -- "$cur")
  elif [[ -n ${_ryax_dir_arguments["$noun $verb"]:-} ]]; then
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
  elif [[ -n ${_ryax_file_arguments["$noun $verb"]:-} ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}

complete -F _ryax ryax
