# vars: FILES, DIRS, TIMERS
problem=$(aiws_files_problem)
read -r -a timers <<<"$TIMERS"
for t in "${timers[@]}"; do
  systemctl is-enabled --quiet "$t" 2>/dev/null || problem+=$'\n'"$t is not enabled"
  systemctl is-active --quiet "$t" 2>/dev/null || problem+=$'\n'"$t is not running"
done
problem=$(printf '%s\n' "$problem" | sed '/^$/d')
if [ -n "$problem" ]; then
  echo "$problem"
  exit 1
fi
