#!/usr/bin/env bash
# Makes a raw disk image bootable without a loop device or grub-install: writes GRUB's
# boot.img into the MBR's code area, one bootable Linux partition into the partition table,
# and core.img into the sectors right after the MBR (boot.img loads sector 1 by default, and
# grub-mkimage fills core.img's own block list for that position: the "floppy" layout).
# Usage: write-mbr.sh DISK START_SECTOR SECTOR_COUNT BOOT_IMG CORE_IMG
set -euo pipefail

disk=$1 start=$2 count=$3 boot_img=$4 core_img=$5

le32() { # a number as 4 little-endian bytes, in printf escape form
  local n=$1
  printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $(((n >> 8) & 255)) $(((n >> 16) & 255)) $(((n >> 24) & 255))
}

core_sectors=$((($(stat -c %s "$core_img") + 511) / 512))
((core_sectors < start)) || { echo "write-mbr: core.img ($core_sectors sectors) does not fit before sector $start" >&2; exit 1; }

dd if="$boot_img" of="$disk" bs=440 count=1 conv=notrunc status=none
# status 0x80 (bootable), CHS fields unused (LBA only), type 0x83 (Linux)
entry="\\x80\\xfe\\xff\\xff\\x83\\xfe\\xff\\xff$(le32 "$start")$(le32 "$count")"
# shellcheck disable=SC2059 # the escapes are the point
printf "$entry" | dd of="$disk" bs=1 seek=446 conv=notrunc status=none
printf '\x00%.0s' $(seq 48) | dd of="$disk" bs=1 seek=462 conv=notrunc status=none
printf '\x55\xaa' | dd of="$disk" bs=1 seek=510 conv=notrunc status=none
dd if="$core_img" of="$disk" bs=512 seek=1 conv=notrunc status=none
