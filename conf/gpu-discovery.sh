#!/usr/bin/env bash
# Spark GPU discovery script: prints this machine's GPUs as the resource JSON Spark expects, e.g.
#   {"name": "gpu", "addresses": ["0", "1"]}
# Use it with
#   spark.worker.resource.gpu.discoveryScript   /path/to/conf/gpu-discovery.sh   (standalone workers)
#   spark.executor.resource.gpu.discoveryScript /path/to/conf/gpu-discovery.sh   (YARN, Kubernetes)
#   spark.executor.resource.gpu.amount 1   and   spark.task.resource.gpu.amount 1 (one task per GPU)
#
# SNN_GPU_ADDRESS selects what the addresses are (see conf/gpu-discovery.md for how spark-snn maps each to a
# CUDA device):
#   index  (default) nvidia-smi's index. Fine when CUDA_VISIBLE_DEVICES is unset or lists indices.
#   uuid   GPU-xxxxxxxx-...; the robust choice when the cluster sets CUDA_VISIBLE_DEVICES to UUIDs.
#   pci    the PCI bus id (00000000:3B:00.0).
# Without nvidia-smi, or with no GPU, it prints an empty address list (Spark then refuses to start executors that
# require GPUs, with this script named in the error).
set -euo pipefail
field=index
case "${SNN_GPU_ADDRESS:-index}" in
  index) field=index ;;
  uuid) field=uuid ;;
  pci) field=pci.bus_id ;;
  *) echo "gpu-discovery.sh: SNN_GPU_ADDRESS must be index, uuid or pci, got '${SNN_GPU_ADDRESS}'" >&2; exit 2 ;;
esac
smi="${NVIDIA_SMI:-nvidia-smi}"
addresses=""
if command -v "$smi" >/dev/null 2>&1; then
  while IFS= read -r a; do
    a="$(printf '%s' "$a" | tr -d '[:space:]')"
    [ -n "$a" ] || continue
    addresses="${addresses:+$addresses, }\"$a\""
  done < <("$smi" --query-gpu="$field" --format=csv,noheader 2>/dev/null || true)
fi
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
