# cpu-governor check: the boot unit and its script as aiws wrote them, the unit enabled, and
# every CPU on the governor. A machine without cpufreq (a VM) passes, and the check says so.
if ! aiws_same "$SCRIPT_FILE" "$(aiws_text_script)"; then
  echo "the governor script $SCRIPT_FILE is missing or changed"
  exit 1
fi
if ! aiws_same "$UNIT_FILE" "$UNIT_TEXT"; then
  echo "the unit $UNIT_FILE is missing or changed"
  exit 1
fi
if ! systemctl is-enabled --quiet "$UNIT_NAME"; then
  echo "$UNIT_NAME is not enabled: the governor would not be set at boot"
  exit 1
fi
shopt -s nullglob
files=("$CPU_DIR"/cpu[0-9]*/cpufreq/scaling_governor)
if ((${#files[@]} == 0)); then
  echo "no cpufreq on this machine (a VM?): no governor to set; $UNIT_NAME skips itself"
  exit 0
fi
other=0
seen=""
for f in "${files[@]}"; do
  g=$(cat "$f")
  if [[ $g != "$GOVERNOR" ]]; then
    other=$((other + 1))
    seen=$g
  fi
done
if ((other)); then
  echo "the CPU governor is $seen, not $GOVERNOR, on $other of ${#files[@]} CPUs"
  exit 1
fi
