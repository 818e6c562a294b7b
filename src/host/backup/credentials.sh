# shellcheck shell=bash
# The repository password and the NAS key, from the stack secrets (files the renderer
# writes: $AIWS_SECRET_BACKUP_PASSWORD_FILE, $AIWS_SECRET_NAS_SSH_KEY_FILE), as root-only
# files. Nothing here prints a secret: files are compared with cmp -s.
# vars: CRED_DIR PASSWORD_FILE KEY_FILE

# The key as it is installed: OpenSSH refuses a private key without its final newline.
aiws_key_text() {
  cat "$1"
  [ -z "$(tail -c1 "$1")" ] || echo
}

# What differs from the stack's secrets. Without them (the drift check never sends secrets: the
# file variables are then empty), what can be checked without them: both files present,
# non-empty, 0600 root, and the key a key.
aiws_credentials_problem() {
  local f
  if [ -n "${AIWS_SECRET_BACKUP_PASSWORD_FILE:-}" ]; then
    [ -s "$AIWS_SECRET_BACKUP_PASSWORD_FILE" ] || echo "the stack secret aiws:backupPassword is empty"
    if [ ! -f "$PASSWORD_FILE" ] || ! cmp -s "$AIWS_SECRET_BACKUP_PASSWORD_FILE" "$PASSWORD_FILE"; then
      echo "$PASSWORD_FILE does not hold the stack's backupPassword"
    fi
  elif [ ! -s "$PASSWORD_FILE" ]; then
    echo "$PASSWORD_FILE is missing or empty"
  fi
  if [ -n "${AIWS_SECRET_NAS_SSH_KEY_FILE:-}" ]; then
    [ -s "$AIWS_SECRET_NAS_SSH_KEY_FILE" ] || echo "the stack secret aiws:nasSshKey is empty"
    if [ ! -f "$KEY_FILE" ] || ! aiws_key_text "$AIWS_SECRET_NAS_SSH_KEY_FILE" | cmp -s - "$KEY_FILE"; then
      echo "$KEY_FILE does not hold the stack's nasSshKey"
    fi
  elif [ ! -s "$KEY_FILE" ] || ! ssh-keygen -y -P '' -f "$KEY_FILE" >/dev/null 2>&1 </dev/null; then
    echo "$KEY_FILE is missing or not a private key"
  fi
  for f in "$PASSWORD_FILE" "$KEY_FILE"; do
    if [ -e "$f" ] && [ "$(stat -c '%a %U' "$f")" != "600 root" ]; then echo "$f is not 0600 root"; fi
  done
  if [ ! -d "$CRED_DIR" ] || [ "$(stat -c '%a %U' "$CRED_DIR")" != "700 root" ]; then echo "$CRED_DIR is not a 0700 root directory"; fi
  return 0
}
