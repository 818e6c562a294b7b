#!/usr/bin/env bash
# Builds a signed flat apt repository (the layout NVIDIA's CUDA repositories use, so a
# sources line reads `deb [signed-by=KEYRING] URL /`) from package trees.
# Every directory SRC/<name>_<version>/ holding DEBIAN/control becomes a .deb.
# Usage: build-repo.sh REPO_DIR GNUPG_HOME SRC...
#   REPO_DIR    output: *.deb, Packages(.gz), Release, InRelease, Release.gpg
#   GNUPG_HOME  holds the signing key (made by lab-key.sh)
set -euo pipefail

repo=$1 gnupg_home=$2
shift 2
export GNUPGHOME=$gnupg_home
# gpg starts an agent for the secret key; stop it so nothing outlives the build.
trap 'gpgconf --kill all >/dev/null 2>&1 || true' EXIT

rm -rf "$repo"
mkdir -p "$repo"
for src in "$@"; do
  for pkg in "$src"/*_*/; do
    [[ -f $pkg/DEBIAN/control ]] || continue
    dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$repo" >/dev/null
  done
done

cd "$repo"
dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages
gzip -9nk Packages
{
  echo "Origin: aiws-lab"
  echo "Label: aiws-lab"
  echo "Date: $(LC_ALL=C date -Ru)"
  for algo in MD5Sum:md5sum SHA256:sha256sum; do
    echo "${algo%%:*}:"
    for f in Packages Packages.gz; do
      printf ' %s %s %s\n' "$("${algo#*:}" "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
    done
  done
} >Release
gpg --batch --yes --quiet --clearsign -o InRelease Release
gpg --batch --yes --quiet --armor --detach-sign -o Release.gpg Release
