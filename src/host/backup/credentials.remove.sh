# pulumi destroy: the host's copies of the secrets (the stack keeps them). The repository stays.
rm -f "$PASSWORD_FILE" "$KEY_FILE"
echo "removed $PASSWORD_FILE and $KEY_FILE"
