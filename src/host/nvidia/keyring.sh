# shellcheck shell=bash
# OpenPGP fingerprints of the public keys in a binary keyring (what cuda-keyring installs for
# apt's signed-by), read without gpg, which a fresh Debian does not have: a v4 key's
# fingerprint is the SHA-1 of 0x99, the key packet's length in two bytes, and its body
# (RFC 4880, section 12.2). Subkeys (tag 14), user ids and signatures are skipped.

# aiws_keyring_fingerprints FILE: one upper-case fingerprint a line; fails on a file that is
# not a binary keyring (an armored key, a truncated file).
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_keyring_fingerprints() {
  local file=$1 size off=0 b tag len hdr o1 o2
  local -a bytes
  size=$(stat -c %s "$file") || return 1
  ((size > 0 && size < 1048576)) || return 1
  read -r -a bytes <<<"$(od -An -v -tu1 "$file" | tr -s ' \n' '  ')"
  while ((off < size)); do
    b=${bytes[off]}
    ((b & 0x80)) || return 1
    if ((b & 0x40)); then
      # New packet format: the tag in the low six bits, then a one, two or four byte length.
      tag=$((b & 0x3f))
      o1=${bytes[off + 1]:-0}
      if ((o1 < 192)); then
        len=$o1 hdr=2
      elif ((o1 < 224)); then
        o2=${bytes[off + 2]:-0}
        len=$((((o1 - 192) << 8) + o2 + 192)) hdr=3
      elif ((o1 == 255)); then
        len=$(((bytes[off + 2] << 24) | (bytes[off + 3] << 16) | (bytes[off + 4] << 8) | bytes[off + 5])) hdr=6
      else
        return 1 # partial lengths: never in a keyring
      fi
    else
      # Old format: the tag in bits 2-5, the length's size in the low two bits.
      tag=$(((b >> 2) & 0x0f))
      case $((b & 3)) in
        0) len=${bytes[off + 1]:-0} hdr=2 ;;
        1) len=$(((bytes[off + 1] << 8) | bytes[off + 2])) hdr=3 ;;
        2) len=$(((bytes[off + 1] << 24) | (bytes[off + 2] << 16) | (bytes[off + 3] << 8) | bytes[off + 4])) hdr=5 ;;
        *) return 1 ;;
      esac
    fi
    ((off + hdr + len <= size)) || return 1
    # A public keyring holds public keys and subkeys, user ids and attributes, signatures and
    # trust packets; anything else (a secret key beside the public ones) is not a keyring to trust.
    case $tag in 2 | 6 | 12 | 13 | 14 | 17) ;; *) return 1 ;; esac
    if ((tag == 6)); then
      if ((bytes[off + hdr] != 4)); then
        echo "unsupported-key-version-${bytes[off + hdr]}"
      else
        {
          printf '\x99'
          # shellcheck disable=SC2059 # the format is the two length bytes, built as \xHH escapes
          printf "\\x$(printf %02x $((len >> 8)))\\x$(printf %02x $((len & 255)))"
          tail -c +$((off + hdr + 1)) "$file" | head -c "$len"
        } | sha1sum | cut -c1-40 | tr 'a-f' 'A-F'
      fi
    fi
    off=$((off + hdr + len))
  done
}

# aiws_check_repo_keys FILE WHAT: the keyring's keys against $REPO_KEY_FINGERPRINTS (one a
# line, or trust-on-first-use). Prints what it trusted; fails naming any key not pinned.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_check_repo_keys() {
  local file=$1 what=$2 found f unexpected=()
  found=$(aiws_keyring_fingerprints "$file") || {
    echo "$what is not a binary OpenPGP keyring: refusing to trust it"
    return 1
  }
  if [[ $REPO_KEY_FINGERPRINTS == trust-on-first-use ]]; then
    echo "aiws: trusting the key(s) of $what on first use: $(paste -sd' ' <<<"$found") (nvidia.repoKeyFingerprints: trust-on-first-use)"
    return 0
  fi
  for f in $found; do
    grep -qxF -- "$f" <<<"$REPO_KEY_FINGERPRINTS" || unexpected+=("$f")
  done
  if [[ -z $found || ${#unexpected[@]} -gt 0 ]]; then
    echo "$what holds the key(s) ${unexpected[*]:-none}, not the pinned $(paste -sd' ' <<<"$REPO_KEY_FINGERPRINTS") (nvidia.repoKeyFingerprints): refusing to trust it. If NVIDIA has moved to a new repository key, compare its fingerprint with the one NVIDIA publishes and add it to nvidia.repoKeyFingerprints"
    return 1
  fi
}

