# pulumi destroy never deletes a backup.
echo "the restic repository $REPOSITORY and its snapshots were left on the NAS"
