#!/usr/bin/env bash
# Installs what the benchmark needs besides Tessera's own build dependencies: Debian's Orthanc
# with its DICOMweb plugin (the comparison), DCMTK's tools (storescu for C-STORE), Debian's
# pydicom and numpy (data generation), perf (profiles) and procps.
# Idempotent. The Debian package registers a system service on ports 8042/4242; the benchmark
# runs its own Orthanc processes on free loopback ports, so the service is stopped and disabled
# where an init system started it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

packages=(orthanc orthanc-dicomweb dcmtk python3 python3-pydicom python3-numpy procps
          linux-perf valgrind)

scripts/apt-install.sh bench/install "${packages[@]}"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# The packaged service would hold ports 8042/4242 and compete for the two cores.
if [ -d /run/systemd/system ]; then
  "${sudo_cmd[@]}" systemctl disable --now orthanc.service >/dev/null 2>&1 || true
elif [ -x /etc/init.d/orthanc ]; then
  "${sudo_cmd[@]}" /etc/init.d/orthanc stop >/dev/null 2>&1 || true
  command -v update-rc.d >/dev/null && "${sudo_cmd[@]}" update-rc.d orthanc disable >/dev/null 2>&1 || true
fi

plugin=$(dpkg -L orthanc-dicomweb | grep -E 'libOrthancDicomWeb\.so[.0-9]*$' | head -n 1)
[ -n "$plugin" ] || { echo "bench/install: DICOMweb plugin not found" >&2; exit 1; }
echo "bench/install: Orthanc $(dpkg-query -W -f='${Version}' orthanc)," \
     "DICOMweb $(dpkg-query -W -f='${Version}' orthanc-dicomweb) at $plugin"
