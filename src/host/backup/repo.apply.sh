# Initialises the repository when it cannot be opened. `restic init` never overwrites one: an
# unreachable NAS or a wrong password makes both fail, loudly, and nothing changes.
if "$RESTIC" cat config </dev/null >/dev/null 2>&1; then exit 0; fi
echo "initialising the restic repository $REPOSITORY"
"$RESTIC" init </dev/null
