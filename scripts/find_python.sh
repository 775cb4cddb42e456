#!/usr/bin/env bash
# Print the path of a working Python X.Y interpreter, or explain how to get one.
# Usage: scripts/find_python.sh 3.10
set -u
want="$1"
candidates=("python$want")
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want".*/bin /usr/local/bin /usr/bin; do
  candidates+=("$dir/python$want")
done
for candidate in "${candidates[@]}"; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  # pyenv shims exist for inactive versions too; only a run proves it works.
  if "$path" -c "import sys, venv; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" 2>/dev/null; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
cat >&2 <<MSG
Python $want was not found, and this project needs it.
Install it, then run the command again. For example:
  pyenv install $want            # with pyenv (https://github.com/pyenv/pyenv)
  apt-get install python$want python$want-venv   # on Debian/Ubuntu where packaged
Or point to it explicitly: make PYTHON${want/./}=/path/to/python$want ...
MSG
exit 1
