# bash completion for cmbulk (installed as share/bash-completion/completions/cmbulk).
# Subcommands come from a fixed list; each subcommand's options are read once from its own
# `--help`, so the completion never falls behind the binary. Enumerated values are completed too.
_cmbulk_options() {
    local cmd=$1 var="_cmbulk_opts_${1//-/_}"
    if [[ -z ${!var-} ]]; then
        local help
        help=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null)
        printf -v "$var" '%s' "$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u | tr '\n' ' ')"
    fi
    printf '%s' "${!var}"
}

_cmbulk() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands="validate apply audit plan report revert help"
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return 0
    fi
    case $prev in
        --flavor) COMPREPLY=($(compgen -W "cloud-manager ops-manager atlas" -- "$cur")); return 0 ;;
        --format) COMPREPLY=($(compgen -W "csv json jsonl" -- "$cur")); return 0 ;;
        --delimiter) COMPREPLY=($(compgen -W ", ';' tab" -- "$cur")); return 0 ;;
        --action) COMPREPLY=($(compgen -W "create update upsert delete" -- "$cur")); return 0 ;;
        --progress) COMPREPLY=($(compgen -W "auto live plain" -- "$cur")); return 0 ;;
        --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return 0 ;;
        --type) COMPREPLY=($(compgen -W "SLACK PAGER_DUTY DATADOG NEW_RELIC OPS_GENIE VICTOR_OPS WEBHOOK MICROSOFT_TEAMS PROMETHEUS" -- "$cur")); return 0 ;;
        --resume-failed) COMPREPLY=($(compgen -W "true false" -- "$cur")); return 0 ;;
        --report|--html-report|--checkpoint|--private-key-file|--cacert|--config|--emit-manifest|--out|--credentials)
            COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
        --base-url) COMPREPLY=($(compgen -W "https://cloud.mongodb.com/api/public/v1.0 https://cloud.mongodb.com/api/atlas/v2 https://cloud.mongodb.com/api/atlas/v1.0 http://127.0.0.1:8080" -- "$cur")); return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_cmbulk_options "${COMP_WORDS[1]}")" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
}
complete -o filenames -F _cmbulk cmbulk

_cmbulk_sim() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        --seed|--key-file|--state-out|--tls-cert|--tls-key|--port-file) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur"))
    fi
    return 0
}
complete -o filenames -F _cmbulk_sim cmbulk-sim
