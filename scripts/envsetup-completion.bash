# bash completion for envsetup, installed as
# share/bash-completion/completions/envsetup. Subcommands and options come
# from `envsetup --help`, plugin names from `envsetup plugins list` and
# task ids from `envsetup plugins describe NAME --json`, so they follow the
# binary being completed (and its --plugin-dir) without a list kept here.
# Needs nothing but bash; tests/integration/sdk_completion.sh drives it.

# The program being completed and its --plugin-dir, if the line has one.
_envsetup_run()
{
	local bin=${COMP_WORDS[0]} i
	local -a dir=()
	[[ $bin == */* || -z $bin ]] || bin=$(type -P "$bin") || bin=envsetup
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		[[ ${COMP_WORDS[i]} == --plugin-dir ]] &&
			dir=(--plugin-dir "${COMP_WORDS[i + 1]}")
	done
	"$bin" "$@" "${dir[@]}" 2>/dev/null
}

# "check plan ..." from the Commands: part of --help.
_envsetup_commands()
{
	_envsetup_run --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

_envsetup_options()
{
	_envsetup_run --help | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_envsetup_plugins()
{
	_envsetup_run plugins list | sed -n 's/^  \([a-z0-9_-]*\) .*/\1/p'
}

# NAME:TASK for each task of plugin NAME.
_envsetup_tasks()
{
	_envsetup_run plugins describe "$1" --json |
		sed -n "s/^[[:space:]]*\"id\":[[:space:]]*\"\([a-z0-9_]*\)\".*/$1:\1/p"
}

# A list value (--only, --skip) or confirm's TASK: a plugin, plugin:task,
# checklist or checklist:ID. Bash splits words at ':' (COMP_WORDBREAKS), so
# the candidates lose what is left of the last ':' of the current word.
_envsetup_targets()
{
	local cur=$1 prefix= word
	if [[ $cur == *,* ]]; then
		prefix=${cur%,*},
		cur=${cur##*,}
	fi
	if [[ $cur == *:* ]]; then
		word=$(_envsetup_tasks "${cur%%:*}")
	else
		word="$(_envsetup_plugins) checklist"
	fi
	COMPREPLY=($(compgen -P "$prefix" -W "$word" -- "$cur"))
	if [[ $COMP_WORDBREAKS == *:* && $prefix$cur == *:* ]]; then
		local strip=${prefix}${cur%"${cur##*:}"} i
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$strip"}
		done
	fi
}

_envsetup()
{
	local cword=$COMP_CWORD cur prev command= i
	local -a words=()
	# Join the words bash split at ':' back into one (plugin:task).
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		if ((${#words[@]} > 0)) &&
			[[ ${COMP_WORDS[i]} == : || ${words[-1]} == *: ]] &&
			[[ $COMP_WORDBREAKS == *:* ]]; then
			words[-1]+=${COMP_WORDS[i]}
		else
			words+=("${COMP_WORDS[i]}")
		fi
		((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
	cur=${words[cword]}
	prev=${words[cword - 1]}
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} != -* && ${words[i - 1]} != --@(env|only|skip|plugin-dir|state-dir|parallelism|customers|lock-timeout|max-poll-interval|by|out|checklist|output|as) && ${words[i - 1]} != -[ep] ]]; then
			command=${words[i]}
			break
		fi
	done
	COMPREPLY=()

	case $prev in
	--plugin-dir | --state-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--out | --checklist)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--only | --skip)
		_envsetup_targets "$cur"
		return
		;;
	-e | --env | -p | --parallelism | --customers | --lock-timeout | --max-poll-interval | --by | --output)
		return
		;;
	--to)
		COMPREPLY=($(compgen -W "postgresql file" -- "$cur"))
		return
		;;
	--as)
		COMPREPLY=($(compgen -W "done forget" -- "$cur"))
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_envsetup_options)" -- "$cur"))
	elif [[ -z $command ]]; then
		COMPREPLY=($(compgen -W "$(_envsetup_commands)" -- "$cur"))
	elif [[ $command == plugins ]]; then
		if [[ $prev == plugins ]]; then
			COMPREPLY=($(compgen -W "list describe" -- "$cur"))
		elif [[ $prev == describe ]]; then
			COMPREPLY=($(compgen -W "$(_envsetup_plugins)" -- "$cur"))
		fi
	elif [[ $command == state && $prev == state ]]; then
		COMPREPLY=($(compgen -W "show resolve force-unlock migrate" -- "$cur"))
	elif [[ $command == @(confirm|state) && $prev == *.cfg ]]; then
		_envsetup_targets "$cur"
	else
		COMPREPLY=($(compgen -f -X '!*.cfg' -- "$cur")
			$(compgen -f -X '!*.plan' -- "$cur")
			$(compgen -d -S / -- "$cur"))
	fi
}
complete -F _envsetup envsetup
