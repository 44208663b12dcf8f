#!/usr/bin/env bash
# Debian packages the kiosk itself uses at run time and that a fresh machine may lack: aplay (alsa-utils) for the
# kiosk's sounds ([sound] cues are on by default), espeak-ng for the spoken ticket number and the lobby display's
# voice. Installed when run as root with apt; otherwise named, and the kiosk runs on silently (`kiosk doctor`
# says WARN sound) — never a reason not to start.
set -uo pipefail
need=()
command -v aplay     >/dev/null 2>&1 || need+=(alsa-utils)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for the kiosk's sound: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } ||
    echo "Could not install ${need[*]}: the kiosk runs without sound" >&2
else
  echo "For the kiosk's sound install: sudo apt-get install ${need[*]} (it runs silently without)" >&2
fi
exit 0
