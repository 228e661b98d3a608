#!/usr/bin/env sh
# Print the path of a Python 3.10 interpreter (Rasa 3.6 does not run on 3.11+), or explain how to get one.
# Tried in order: $PYTHON310, python3.10 on PATH, pyenv's 3.10 (pyenv's global version may be another one).
for candidate in "${PYTHON310:-}" python3.10; do
  [ -n "$candidate" ] || continue
  if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    path="$(pyenv root)/versions/$v/bin/python3.10"
    if [ -x "$path" ]; then echo "$path"; exit 0; fi
  done
fi
cat >&2 <<'MSG'
No Python 3.10 found (Rasa 3.6 needs exactly 3.10). Install one, then re-run the command:
  - with pyenv:  pyenv install 3.10   (then nothing else: it is found automatically)
  - on Debian/Ubuntu: apt-get install python3.10 python3.10-venv   (where the release packages it)
  - or point to one:  make install PYTHON310=/path/to/python3.10
MSG
exit 1
