#!/usr/bin/env bash
# Makes the lab repository's signing key once, and exports it as a binary keyring for
# apt's signed-by (the file the cuda-keyring stand-in installs).
# Usage: lab-key.sh GNUPG_HOME KEYRING_OUT
set -euo pipefail

export GNUPGHOME=$1
keyring=$2
trap 'gpgconf --kill all >/dev/null 2>&1 || true' EXIT
mkdir -p "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
if ! gpg --batch --list-secret-keys 2>/dev/null | grep -q .; then
  gpg --batch --quiet --passphrase '' --quick-generate-key 'aiws lab apt repository <lab@aiws.invalid>' ed25519 sign never
fi
gpg --batch --yes --export >"$keyring.tmp"
mv "$keyring.tmp" "$keyring"
