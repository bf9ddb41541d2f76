#!/usr/bin/env bash
# Install Debian packages the product needs when their marker file is missing.
# Arguments: package:marker-path … . Installs only what is missing; names what to install otherwise.
set -euo pipefail
missing=()
for spec in "$@"; do
  pkg=${spec%%:*}; marker=${spec#*:}
  [ -e "$marker" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Please install these system packages and run make again: ${missing[*]}" >&2
  exit 1
fi
