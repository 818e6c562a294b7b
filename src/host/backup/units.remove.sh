# pulumi destroy: stops and removes the timers, units and scripts. A backup that is running
# finishes. The status file, the canary and the repository on the NAS stay.
read -r -a timers <<<"$TIMERS"
systemctl disable --now "${timers[@]}" 2>/dev/null || true
aiws_files_remove
systemctl daemon-reload 2>/dev/null || true
echo "kept: /var/lib/aiws (backup status, canary) and the repository on the NAS"
