# Helpers the inference steps share (src/host/inference/lib.sh), prepended to every body.

# `set -e` holds inside $(...) too, so a helper that fails there stops the script.
shopt -s inherit_errexit
# What the services run and read is world-readable (they run as aiws-llm and ollama); the
# secrets file is written 0600 on purpose. The rendered script's umask is 077.
umask 022

# inf_fail MESSAGE...: say why on stderr and stop.
inf_fail() {
  echo "$*" >&2
  exit 1
}

# inf_as USER COMMAND...: run COMMAND as USER, without privileges and with a clean environment
# (from /, which USER can read): a probe of a downloaded runtime (its --version) never runs
# as root, so a tampered binary gets no more than the service it belongs to would have.
inf_as() {
  local user=$1 gid
  shift
  gid=$(id -g "$user") || return 1
  (cd / && setpriv --reuid="$user" --regid="$gid" --init-groups --no-new-privs --reset-env -- "$@")
}

# inf_same FILE TEXT: FILE holds exactly TEXT and a final newline.
inf_same() {
  [[ -f $1 ]] && cmp -s -- "$1" <(printf '%s\n' "$2")
}

# inf_write FILE MODE TEXT: write TEXT and a final newline to FILE in one rename, owned by root.
inf_write() {
  local tmp
  tmp=$(mktemp "$1.aiws.XXXXXX")
  printf '%s\n' "$3" >"$tmp"
  chmod "$2" "$tmp"
  mv -f -- "$tmp" "$1"
}

# inf_download URL FILE [SHA256]: fetch URL into FILE, and check its sha256 when one is given.
inf_download() {
  # The profile refuses this too: a plain-http download that nothing checks is never run.
  [[ $1 != http://* || -n ${3:-} ]] || inf_fail "refusing to download $1 over plain http without a sha256"
  curl -fsSL --retry 3 --connect-timeout 20 -o "$2" -- "$1" || inf_fail "cannot download $1"
  if [[ -n ${3:-} ]] && ! echo "$3  $2" | sha256sum --check --status; then
    inf_fail "$1: sha256 is $(sha256sum "$2" | cut -d' ' -f1), the profile expects $3"
  fi
}

# inf_unpack ARCHIVE DIR: unpack a .tgz/.tar.gz/.tar.zst into DIR (made empty first), stripping one top folder when STRIP=1.
inf_unpack() {
  local strip=()
  [[ ${STRIP:-0} == 1 ]] && strip=(--strip-components=1)
  rm -rf -- "$2"
  mkdir -p -- "$2"
  case $1 in
    *.tar.zst) tar --zstd -xf "$1" -C "$2" "${strip[@]}" ;;
    *) tar -xzf "$1" -C "$2" "${strip[@]}" ;;
  esac
}

# inf_models_mounted: the filesystem the models directory lives on (MODELS_MOUNT) is mounted,
# so nothing is written onto the root filesystem underneath a mount that comes later.
inf_models_mounted() {
  [[ -z ${MODELS_MOUNT:-} ]] || mountpoint -q -- "$MODELS_MOUNT" ||
    inf_fail "$MODELS_MOUNT is not mounted: the storage steps mount it before models go to ${MODELS_DIR:-it}"
}

# inf_system_user NAME HOME: a system user and group with a home, in the GPU device groups the host has.
inf_system_user() {
  if ! id -u "$1" >/dev/null 2>&1; then
    useradd --system --user-group --home-dir "$2" --create-home --shell /usr/sbin/nologin "$1"
  fi
  local g
  for g in render video; do
    if getent group "$g" >/dev/null && ! id -nG "$1" | tr ' ' '\n' | grep -qx "$g"; then
      usermod -aG "$g" "$1"
    fi
  done
}

# inf_user_ok NAME: the user exists and is in every GPU device group the host has.
inf_user_ok() {
  id -u "$1" >/dev/null 2>&1 || return 1
  local g
  for g in render video; do
    if getent group "$g" >/dev/null && ! id -nG "$1" | tr ' ' '\n' | grep -qx "$g"; then return 1; fi
  done
}

# inf_dir_ok DIR OWNER: DIR exists and belongs to OWNER.
inf_dir_ok() {
  [[ -d $1 ]] && [[ $(stat -c %U -- "$1") == "$2" ]]
}

# inf_under PATH ROOT: PATH is strictly inside ROOT (a guard before rm -rf).
inf_under() {
  [[ $1 == "$2"/?* && $1 != *..* ]]
}
