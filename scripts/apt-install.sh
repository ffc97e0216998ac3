#!/usr/bin/env bash
# Installs those of the Debian packages named on the command line that are not
# installed yet (apt-get update first, only when something is missing).
# Idempotent. Needs root or sudo.
#   scripts/apt-install.sh LABEL PACKAGE...
set -euo pipefail
label=$1
shift

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "$label: all $# packages present"
  exit 0
fi

echo "$label: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
