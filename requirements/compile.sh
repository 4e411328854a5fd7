#!/usr/bin/env bash
# Regenerates the hash-pinned requirements/*.txt from pyproject.toml's extras (`make lock` calls this).
#
#   bash requirements/compile.sh              # all five files, keeping current pins where still valid
#   bash requirements/compile.sh nlp api      # only those
#   UPGRADE=1 bash requirements/compile.sh    # move every pin to the newest allowed release
#
# dev.txt is compiled first and every service file is compiled against it as a constraint, so each image
# runs exactly the versions that `make test` tested. Run from the repository root, with pip-tools in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

PIP_COMPILE=.venv/bin/pip-compile
PYTHON=.venv/bin/python
[ -x "$PIP_COMPILE" ] || { echo "pip-compile not found: run '.venv/bin/pip install pip-tools' first" >&2; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "the pins are for Python 3.11; .venv has another")'

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dev ingest nlp store api)

# The header then names the command to rerun instead of a pip-compile line.
export CUSTOM_COMPILE_COMMAND="make lock"

flags=(
    --quiet
    --generate-hashes      # pip install --require-hashes
    --strip-extras         # extras resolved, but pins written without [extra] (constraint-file friendly)
    --allow-unsafe         # pin setuptools/pip too: hash mode rejects any unpinned package
    --no-emit-index-url    # no index or find-links addresses in tracked files: each machine's pip config decides
    --no-emit-find-links
    --no-emit-trusted-host
    --newline=lf
)
[ -z "${UPGRADE:-}" ] || flags+=(--upgrade)

# The dev extra names the project itself (newsflow[ingest,...]); pip-compile writes that as
# "newsflow @ file:///<checkout>", unhashable and machine-specific. The project is installed separately
# with `pip install --no-deps .`, so the entry (with its WARNING comment) is dropped.
strip_self() {
    "$PYTHON" - "$1" <<'EOF'
import re, sys
path = sys.argv[1]
out, skip = [], False
for line in open(path, encoding="utf-8"):
    if line.startswith("# WARNING: pip install will require") or line.startswith("# Consider using a hashable URL"):
        continue
    if re.match(r"^(-e\s+)?(newsflow\s*@\s*)?file:", line) or re.match(r"^newsflow\s*@", line):
        skip = True
        continue
    if skip and line.startswith("    "):
        continue  # the dropped entry's "# via" lines
    skip = False
    out.append(line)
open(path, "w", encoding="utf-8").writelines(out)
EOF
}

check() {
    local f=$1
    if grep -nE '(https?|file)://|^-e |^--(extra-)?index-url|^--find-links|^--trusted-host|(^|[[:space:]])/(work|opt|etc|home|root|tmp|usr)/' "$f"; then
        echo "$f: names an address or a local path (lines above)" >&2
        exit 1
    fi
}

for t in "${targets[@]}"; do
    out="requirements/$t.txt"
    echo "compiling $out (extra '$t')"
    extra_flags=()
    if [ "$t" != dev ]; then
        [ -f requirements/dev.txt ] || { echo "requirements/dev.txt missing: compile dev first" >&2; exit 1; }
        extra_flags=(--constraint requirements/dev.txt)
    fi
    "$PIP_COMPILE" "${flags[@]}" "${extra_flags[@]}" --extra "$t" --output-file "$out" pyproject.toml
    strip_self "$out"
    check "$out"
done

for t in ingest store api; do
    if [ -f "requirements/$t.txt" ] && grep -qiE '^spacy' "requirements/$t.txt"; then
        echo "requirements/$t.txt pulls in spaCy; that image must not carry it" >&2
        exit 1
    fi
done
echo "done"
