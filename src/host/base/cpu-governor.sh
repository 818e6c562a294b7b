#!/bin/sh
# Written by aiws (cpu-governor): sets every CPU's cpufreq governor.
# Usage: cpu-governor GOVERNOR [CPU_SYSFS_DIR]
# Machines without cpufreq (most VMs) have nothing to set: it says so and succeeds.
set -eu
governor=${1:-performance}
cpu_dir=${2:-/sys/devices/system/cpu}
found=0
for f in "$cpu_dir"/cpu[0-9]*/cpufreq/scaling_governor; do
  [ -e "$f" ] || continue
  found=1
  [ "$(cat "$f")" = "$governor" ] || echo "$governor" >"$f"
done
if [ "$found" = 0 ]; then
  echo "aiws cpu-governor: no cpufreq on this machine (a VM?): nothing to set"
fi
