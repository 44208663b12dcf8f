#!/usr/bin/env bash
# Debian packages the test suite needs: a virtual display for the Kivy window tests,
# a clipboard tool and libmtdev (Kivy probes both at start), qpdf to check watermarked
# PDFs, poppler-utils to look at reports, a PostgreSQL server for the multi-kiosk tests, and aplay (alsa-utils)
# with espeak-ng for the kiosk's sounds.
set -euo pipefail
need=()
command -v Xvfb     >/dev/null 2>&1 || need+=(xvfb)
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb)
command -v xsel     >/dev/null 2>&1 || need+=(xsel)
command -v qpdf     >/dev/null 2>&1 || need+=(qpdf)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v scanimage >/dev/null 2>&1 || need+=(sane-utils libsane1)    # SANE's test device for the scanner
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)   # CJK names on the stamp
ldconfig -p 2>/dev/null | grep -q libmtdev.so.1 || need+=(libmtdev1)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium  >/dev/null 2>&1 || need+=(chromium)      # web pages in a real browser (Playwright drives it)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)     # the lobby display's Indonesian voice
command -v aplay     >/dev/null 2>&1 || need+=(alsa-utils)    # the kiosk's sounds, played into ALSA's null device
[ ${#need[@]} -eq 0 ] && exit 0
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for the tests: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "The tests need these Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install ${need[*]}" >&2
  # Only Xvfb is indispensable; the others make their tests skip with a printed reason.
  command -v xvfb-run >/dev/null 2>&1 || exit 1
fi
