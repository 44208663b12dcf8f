#!/usr/bin/env bash
# Renders every screen of the kiosk in Indonesian and English into docs/screenshots/ at the three screen
# shapes the layouts support (kiosk.core.form_factor): landscape 1920×1080 (docs/screenshots/*.png), a
# 1366×768 panel and a 1080×1920 portrait stand (docs/screenshots/1366x768/ and 1080x1920/, lossless WebP),
# using a throw-away config and database (demo catalogue included when available), plus the printed ticket
# as the dummy printer previews it. The README shows them: run this after changing a screen and commit the
# images of the screens you changed only (every re-render stays in the history).
# Usage: scripts/screenshots.sh [screen …]     SIZES="1080x1920" scripts/screenshots.sh welcome
#        (needs Xvfb; `make test` installs it)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
out=${OUT:-docs/screenshots}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#^logo = \"../assets/logo.png\"#logo = \"$PWD/assets/logo.png\"#" config/kiosk.example.toml > "$work/kiosk.toml"
run() { xvfb-run -a -s "-screen 0 1920x1920x24" "$@"; }
"$bin/kiosk" --config "$work/kiosk.toml" setup >/dev/null
read -r -a sizes <<< "${SIZES:-1920x1080 1366x768 1080x1920}"
screens=("$@")
if [ ${#screens[@]} -eq 0 ]; then
  mapfile -t screens < <(run "$bin/kiosk" --config "$work/kiosk.toml" screenshot --list 2>/dev/null)
fi
for size in "${sizes[@]}"; do
  if [ "$size" = 1920x1080 ]; then dir=$out ext=png; else dir=$out/$size ext=webp; fi
  mkdir -p "$dir"
  for screen in "${screens[@]}"; do
    for lang in id en; do
      file="$dir/${screen/:/-}-$lang.$ext"
      run "$bin/kiosk" --config "$work/kiosk.toml" screenshot "$screen" --lang "$lang" --size "$size" \
        --out "$file" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
      echo "$file"
    done
  done
done
if [ "$#" -eq 0 ]; then
  for lang in id en; do   # the paper ticket: the dummy printer writes a PNG preview of each ticket it prints
    "$bin/kiosk" --config "$work/kiosk.toml" ticket A --lang "$lang" >/dev/null
    cp "$(ls -t "$work"/data/printer/*.png | head -1)" "$out/ticket-paper-$lang.png"
    echo "$out/ticket-paper-$lang.png"
  done
fi
