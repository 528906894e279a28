#!/bin/sh
# Install the Debian packages emflow-lqft builds against, idempotently and
# non-interactively.  Packages already present are skipped (a second run is a
# no-op); apt's lock is waited for; 'apt-get update' runs only if an install
# fails.  Root is required only when something is missing.
set -u
# The python3 packages serve the plotting scripts (analysis/) and the tests
# that read ensemble files independently of our C code.
PKGS="openmpi-bin libopenmpi-dev libfftw3-dev libfftw3-mpi-dev libgsl-dev
libhdf5-openmpi-dev hdf5-tools libconfig-dev librandom123-dev pkg-config make
python3 python3-numpy python3-h5py python3-matplotlib"
missing=""
for p in $PKGS; do
  s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  case "$s" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "deps: need root to install:$missing" >&2; exit 1; fi
else SUDO=""; fi
export DEBIAN_FRONTEND=noninteractive
apt_install() {
  $SUDO apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 $missing </dev/null
}
if ! apt_install; then
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=300 </dev/null || exit 1
  apt_install || { echo "deps: apt-get install failed" >&2; exit 1; }
fi
