# pulumi destroy: the configuration aiws wrote, and the NAS host key ssh recorded on first
# use. The repository on the NAS and its snapshots stay.
aiws_files_remove
rm -f "$KNOWN_HOSTS"
rmdir "$(dirname "$KNOWN_HOSTS")" 2>/dev/null || true
