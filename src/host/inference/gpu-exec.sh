#!/usr/bin/env bash
# aiws-gpu-exec INDEXES PROGRAM [ARG...]: run PROGRAM on the GPUs nvidia-smi numbers INDEXES
# (comma-separated), named by UUID in CUDA_VISIBLE_DEVICES: UUIDs do not move when the
# driver enumerates cards in another order. Written by aiws (inference-base); the
# inference units start their runtime through it, so the UUIDs are read at every start.
set -euo pipefail
if (($# < 2)); then
  echo "usage: aiws-gpu-exec INDEXES PROGRAM [ARG...]" >&2
  exit 2
fi
want=$1
shift
if ! map=$(nvidia-smi --query-gpu=index,uuid --format=csv,noheader); then
  echo "aiws-gpu-exec: nvidia-smi cannot list the GPUs (is the driver loaded?)" >&2
  exit 1
fi
uuids=()
IFS=, read -ra indexes <<<"$want"
for i in "${indexes[@]}"; do
  uuid=$(awk -F', *' -v i="$i" '$1 == i { print $2 }' <<<"$map")
  if [[ -z $uuid ]]; then
    echo "aiws-gpu-exec: no GPU with index $i; nvidia-smi lists: $(tr '\n' ' ' <<<"$map")" >&2
    exit 1
  fi
  uuids+=("$uuid")
done
CUDA_VISIBLE_DEVICES=$(IFS=,; echo "${uuids[*]}")
CUDA_DEVICE_ORDER=PCI_BUS_ID
export CUDA_VISIBLE_DEVICES CUDA_DEVICE_ORDER
exec "$@"
