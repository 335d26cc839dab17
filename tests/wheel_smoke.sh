#!/usr/bin/env bash
# The program as a user gets it: build the wheel, install it in a fresh virtual environment,
# and from a folder outside the repository create workspaces, import texts and annotations,
# render and export. Any failed step fails the script (and CI, which runs it).
#
#   tests/wheel_smoke.sh            (make wheel-smoke: the same, installing with the venv's uv)
#
# PYTHON: the interpreter for the new environment (default python3).
# UV: a uv executable to install the wheel's dependencies with (default: pip of the new venv).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/annotator-wheel.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
step() { printf 'wheel-smoke: %s\n' "$*"; }
fail() { printf 'wheel-smoke: FAILED: %s\n' "$*" >&2; exit 1; }

# Build from a copy of the tree, so build/ leftovers of earlier builds cannot slip into the wheel.
# cp -a keeps annotator/bundled/{guidelines,corpus} as links; the build copies what they point to.
step "building the wheel"
mkdir "$tmp/src"
cp -a "$repo/pyproject.toml" "$repo/README.md" "$repo/annotator" "$repo/guidelines" "$repo/corpus" "$tmp/src/"
find "$tmp/src" -name __pycache__ -prune -exec rm -rf {} +
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$tmp/dist" "$tmp/src"
wheel="$(ls "$tmp/dist"/annotator-*.whl)"
step "built $(basename "$wheel")"

step "installing it in a fresh virtual environment"
"$python" -m venv "$tmp/venv"
if [ -n "${UV:-}" ]; then
    "$UV" pip install --quiet --python "$tmp/venv/bin/python" "$wheel"
else
    "$tmp/venv/bin/python" -m pip install --quiet "$wheel"
fi
annotator="$tmp/venv/bin/annotator"
vpython="$tmp/venv/bin/python"
# The installed copy is the one that runs: not the repository's.
where="$(cd "$tmp" && "$vpython" -c 'import annotator; print(annotator.__file__)')"
case "$where" in "$tmp/venv/"*) ;; *) fail "annotator imported from $where, not from the new environment" ;; esac

mkdir "$tmp/work" "$tmp/texts"
cd "$tmp/work"
"$annotator" --version

step "annotator init: the bundled guidelines, equal to the repository's"
"$annotator" init ws
diff -r "$repo/guidelines" ws/guidelines || fail "the wheel's guidelines differ from the repository's"

step "annotator import texts: three seed texts"
seeds=(000_cc412d3027dac405 001_e759c1a521474da3 004_1adac70ea05f9c16)
for id in "${seeds[@]}"; do cp "$repo/corpus/$id.txt" "$tmp/texts/"; done
(cd ws && "$annotator" import texts "$tmp/texts") | tee "$tmp/import.out"
grep -q '^corpus: 3 documents$' "$tmp/import.out" || fail "import texts did not report 3 documents"

step "annotator render"
(cd ws && "$annotator" render "${seeds[0]}" --width 60 --bidi app) > "$tmp/render.out"
[ "$(wc -l < "$tmp/render.out")" -gt 5 ] || fail "render printed fewer than 6 lines"
# Arabic shaped into presentation forms (U+FE70-U+FEFF) means the layout ran.
"$vpython" -c 'import sys; sys.exit(not any("\ufe70" <= c <= "\ufeff" for c in open(sys.argv[1], encoding="utf-8").read()))' \
    "$tmp/render.out" || fail "render printed no shaped Arabic"

step "annotator import annotations + export --format jsonl"
"$vpython" - "$tmp/work/ws/corpus/${seeds[0]}.txt" > "$tmp/ann.jsonl" <<'EOF'
import hashlib, json, sys
text = open(sys.argv[1], encoding="utf-8").read()
doc_id = sys.argv[1].rsplit("/", 1)[1].removesuffix(".txt")
word = "التحالف"
start = text.index(word)
print(json.dumps({"id": doc_id, "guidelines": "2.0.0", "status": "done",
                  "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                  "entities": [{"id": "T1", "start": start, "end": start + len(word), "label": "ORG"}]},
                 ensure_ascii=False))
EOF
(cd ws && "$annotator" import annotations "$tmp/ann.jsonl" --annotator smoke --format jsonl)
(cd ws && "$annotator" export --format jsonl --source smoke --out "$tmp/export")
[ -f "$tmp/export/manifest.json" ] || fail "export wrote no manifest.json"
"$vpython" - "$tmp/export" "${seeds[0]}" <<'EOF' || fail "the exported JSONL does not hold the imported entity"
import json, pathlib, sys
folder, doc_id = pathlib.Path(sys.argv[1]), sys.argv[2]
rows = [json.loads(line) for f in sorted(folder.glob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()]
[row] = [r for r in rows if r["id"] == doc_id]
assert [(e["label"], e["text"]) for e in row["entities"]] == [("ORG", "التحالف")], row["entities"]
EOF

step "annotator init --example: the seed corpus, equal to the repository's"
"$annotator" init demo --example
diff -r "$repo/corpus" demo/corpus || fail "the wheel's seed corpus differs from the repository's"
(cd demo && "$annotator" render 002_40b7e8ebcf7a331f --width 40 --bidi terminal) > /dev/null

step "annotator serve: the page from the installed package (its template and textual-serve's script)"
port="$("$vpython" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd demo && exec "$annotator" serve --port "$port") > "$tmp/serve.out" 2>&1 &
server=$!
served=""
for _ in $(seq 100); do
    if served="$("$vpython" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' \
        "http://127.0.0.1:$port/" 2>/dev/null)"; then break; fi
    sleep 0.2
done
"$vpython" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
    "http://127.0.0.1:$port/static/js/textual.js" || { kill "$server"; fail "the page's script is not served"; }
kill -INT "$server"; wait "$server" || true
grep -q "No login here" <<< "$served" || fail "annotator serve did not serve its page: $(cat "$tmp/serve.out")"

step "passed"
