umask 077
[ -s "$AIWS_SECRET_BACKUP_PASSWORD_FILE" ] || { echo "the stack secret aiws:backupPassword is empty: pulumi config set --secret aiws:backupPassword ..."; exit 1; }
[ -s "$AIWS_SECRET_NAS_SSH_KEY_FILE" ] || { echo "the stack secret aiws:nasSshKey is empty: pulumi config set --secret aiws:nasSshKey < key"; exit 1; }
install -d -m 700 -o root -g root "$CRED_DIR"
chmod 700 "$CRED_DIR"

tmp=$(mktemp "$KEY_FILE.aiws.XXXXXX")
aiws_key_text "$AIWS_SECRET_NAS_SSH_KEY_FILE" >"$tmp"
chmod 600 "$tmp"
if ! ssh-keygen -y -P '' -f "$tmp" >/dev/null 2>&1 </dev/null; then
  rm -f "$tmp"
  echo "the stack secret aiws:nasSshKey is not an unencrypted OpenSSH private key (ssh-keygen -y cannot read it)"
  exit 1
fi
chown root:root "$tmp"
mv -f "$tmp" "$KEY_FILE"

tmp=$(mktemp "$PASSWORD_FILE.aiws.XXXXXX")
cat "$AIWS_SECRET_BACKUP_PASSWORD_FILE" >"$tmp"
chown root:root "$tmp"
chmod 600 "$tmp"
mv -f "$tmp" "$PASSWORD_FILE"
echo "installed the backup password and the NAS key (0600 root) in $CRED_DIR"
