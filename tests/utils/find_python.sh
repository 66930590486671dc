#!/usr/bin/env bash
# Prints the path of a working Python X.Y interpreter: pythonX.Y on PATH, else a pyenv-installed one
# ($PYENV_ROOT or `pyenv root`, newest patch release first), else fails naming what it tried.
# Usage: find_python.sh 3.12
set -u
want=${1:?usage: find_python.sh X.Y}
works() { [ -x "$1" ] && "$1" -c 'import sys, venv; sys.exit(0 if "%d.%d" % sys.version_info[:2] == "'"$want"'" else 1)' 2>/dev/null; }
tried=()
if candidate=$(command -v "python$want" 2>/dev/null); then
  works "$candidate" && { echo "$candidate"; exit 0; }
  tried+=("$candidate")
fi
root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
for candidate in $(ls -d "$root"/versions/"$want".*/bin/python"$want" 2>/dev/null | sort -t. -k3,3nr); do
  works "$candidate" && { echo "$candidate"; exit 0; }
  tried+=("$candidate")
done
echo "find_python.sh: no working Python $want (tried: python$want on PATH, $root/versions/$want.*: ${tried[*]:-none found})." >&2
echo "Install Python $want (for example 'pyenv install $want') or name one: make PYTHON=/path/to/python$want" >&2
exit 1
