#!/usr/bin/env bash
# Builds the lab's Debian 12 guest image into OUT (a directory that must not exist yet):
#   OUT/rootfs/          the configured root tree (the NAS runs on an overlay of it)
#   OUT/disk.img         raw disk: MBR, GRUB in the gap before 1 MiB, ext4 root in partition 1
#   OUT/vmlinuz, OUT/initrd.img   copies for booting with qemu -kernel/-initrd
#   OUT/ssh_host_ed25519_key.pub  the guest's host key, for the lab's known_hosts
#
# The guest boots through GRUB from its own disk by default: qemu's -kernel/-initrd are read
# once when qemu starts, so a reboot inside the guest would come back on the initrd built
# here rather than the one the guest rebuilt (after mdadm.conf changed: md127 instead of md0).
#
# Usage: build-image.sh OUT MIRROR CACHE_DIR LAB_PUBKEY GUEST_CIDR HOSTNAME NAS_IP
# Run it under `unshare --mount`: debootstrap mounts /proc and /sys inside the target, and a
# private mount namespace makes those mounts vanish with the process even when it fails.
set -euo pipefail

out=$1 mirror=$2 cache=$3 pubkey=$4 guest_cidr=$5 hostname=$6 nas_ip=$7
here=$(cd "$(dirname "$0")" && pwd)
rootfs=$out/rootfs
disk_size_mib=3072

[[ ! -e $out ]] || { echo "build-image: $out already exists" >&2; exit 1; }
mkdir -p "$out" "$cache"

phase() { echo "build-image: $* ($(date +%T))"; }

packages=$(sed -e 's/#.*//' "$here/guest-packages.txt" | xargs | tr ' ' ',')
phase "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include="$packages" --cache-dir="$cache" \
  bookworm "$rootfs" "$mirror" >"$out/debootstrap.log" 2>&1 || {
  tail -n 30 "$out/debootstrap.log" >&2
  tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2 2>/dev/null || true
  exit 1
}

phase "configure"
root_uuid=$(cat /proc/sys/kernel/random/uuid)
"$here/configure-rootfs.sh" "$rootfs" "$pubkey" "$guest_cidr" "$hostname" "$nas_ip" "$root_uuid"

phase "initramfs (MODULES=list)"
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" update-initramfs -u -k all >"$out/initramfs.log" 2>&1 || {
  tail -n 30 "$out/initramfs.log" >&2
  exit 1
}
# GRUB's first stage: core.img knows where /boot/grub is; its modules are copied beside it.
chroot "$rootfs" grub-mkimage -O i386-pc -o /boot/grub/core.img \
  -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
cp -r "$rootfs/usr/lib/grub/i386-pc" "$rootfs/boot/grub/"
umount "$rootfs/proc"

cp "$(readlink -f "$rootfs/vmlinuz")" "$out/vmlinuz"
cp "$(readlink -f "$rootfs/initrd.img")" "$out/initrd.img"
cp "$rootfs/etc/ssh/ssh_host_ed25519_key.pub" "$out/ssh_host_ed25519_key.pub"
echo "$root_uuid" >"$out/root-uuid"

phase "disk image (mkfs.ext4 -d, no loop device)"
# The file system starts at 1 MiB, after the MBR and the gap that holds GRUB's core.img.
mkfs.ext4 -q -F -L aiws-root -U "$root_uuid" -E offset=1048576 \
  -d "$rootfs" "$out/disk.img" "${disk_size_mib}M"
truncate -s $(((disk_size_mib + 1) * 1048576)) "$out/disk.img"
"$here/write-mbr.sh" "$out/disk.img" 2048 $((disk_size_mib * 2048)) "$rootfs/usr/lib/grub/i386-pc/boot.img" "$rootfs/boot/grub/core.img"

phase "done"
