#!/usr/bin/env bash
# Renders every screen of the kiosk in Indonesian and English into docs/screenshots/,
# using a throw-away config and database (demo catalogue included when available), plus the
# printed ticket as the dummy printer previews it. The README shows them (issue 2 asks for current
# screenshots in docs/ and the README): run this after changing a screen and commit the PNGs.
# Usage: scripts/screenshots.sh [screen …]      (needs Xvfb; `make test` installs it)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
out=docs/screenshots
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#^logo = \"../assets/logo.png\"#logo = \"$PWD/assets/logo.png\"#" config/kiosk.example.toml > "$work/kiosk.toml"
run() { xvfb-run -a -s "-screen 0 1920x1080x24" "$@"; }
"$bin/kiosk" --config "$work/kiosk.toml" setup >/dev/null
mkdir -p "$out"
screens=("$@")
if [ ${#screens[@]} -eq 0 ]; then
  mapfile -t screens < <(run "$bin/kiosk" --config "$work/kiosk.toml" screenshot --list 2>/dev/null)
fi
for screen in "${screens[@]}"; do
  for lang in id en; do
    run "$bin/kiosk" --config "$work/kiosk.toml" screenshot "$screen" --lang "$lang" \
      --out "$out/${screen/:/-}-$lang.png" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
    echo "$out/${screen/:/-}-$lang.png"
  done
done
if [ "$#" -eq 0 ]; then
  for lang in id en; do   # the paper ticket: the dummy printer writes a PNG preview of each ticket it prints
    "$bin/kiosk" --config "$work/kiosk.toml" ticket A --lang "$lang" >/dev/null
    cp "$(ls -t "$work"/data/printer/*.png | head -1)" "$out/ticket-paper-$lang.png"
    echo "$out/ticket-paper-$lang.png"
  done
fi
