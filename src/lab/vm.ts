/**
 * The workstation guest under qemu with software emulation (KVM hangs on these machines):
 * q35, 2 vCPUs, 2 GiB, the root disk as a fresh qcow2 overlay of the cached image (each `up`
 * starts clean), four NVMe disks with fixed serials (stable /dev/disk/by-id names), a virtio
 * NIC on the lab bridge's tap, the serial console in .lab/run/serial.log.
 *
 * Boot `disk` (the default) lets SeaBIOS and GRUB load the guest's own /vmlinuz and
 * /initrd.img, so a reboot inside the guest (qemu resets the machine) comes back on whatever
 * the guest last built. Boot `direct` hands qemu the kernel and initrd copied out at build
 * time: qemu reads them once, so after the guest rebuilds its initrd (mdadm.conf) a reboot
 * would still run the old one and the array would come back as md127.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { guest, net, nvmeById, paths } from "./config.js";
import type { GuestImage } from "./image.js";
import { isAlive, sh, sleep } from "./processes.js";
import { sshRun } from "./ssh.js";
import type { LabDisk } from "./state.js";


export type BootMode = "disk" | "direct";

function qemuArgs(image: GuestImage, boot: BootMode, disks: readonly LabDisk[], rootOverlay: string): string[] {
  const args = [
    "-name", "aiws-lab-workstation",
    "-nodefaults",
    "-accel", "tcg,thread=multi",
    "-cpu", "max",
    "-machine", "q35",
    "-m", String(guest.memoryMiB),
    "-smp", String(guest.cpus),
    "-display", "none",
    "-serial", `file:${paths.serialLog}`,
    "-qmp", `unix:${paths.qmpSocket},server=on,wait=off`,
    "-daemonize",
    "-pidfile", paths.qemuPid,
    // cache=unsafe: the overlays are thrown away at `down`; host-side flushes only cost time.
    "-drive", `file=${rootOverlay},if=none,id=root,format=qcow2,cache=unsafe`,
    // With -kernel, qemu's own boot ROM takes boot index 0.
    "-device", boot === "disk" ? "virtio-blk-pci,drive=root,bootindex=0" : "virtio-blk-pci,drive=root",
    "-netdev", `tap,id=net0,ifname=${net.tap},script=no,downscript=no`,
    // romfile= : no iPXE option ROM (not installed, and the guest never boots from the network)
    "-device", `virtio-net-pci,netdev=net0,mac=${net.guestMac},romfile=`,
  ];
  disks.forEach((d, i) => {
    args.push("-drive", `file=${d.file},if=none,id=nvme${i + 1},format=qcow2,cache=unsafe`);
    args.push("-device", `nvme,serial=${d.serial},drive=nvme${i + 1}`);
  });
  if (boot === "direct") {
    args.push(
      "-kernel", image.kernel,
      "-initrd", image.initrd,
      "-append", `root=UUID=${image.rootUuid} rw console=ttyS0 net.ifnames=0`,
    );
  }
  return args;
}

/** Creates the per-run disks and starts qemu inside the lab namespace; returns its pid. */
export async function startVm(image: GuestImage, boot: BootMode): Promise<{ pid: number; disks: LabDisk[] }> {
  const rootOverlay = join(paths.runDir, "root.qcow2");
  await sh`qemu-img create -q -f qcow2 -F raw -b ${image.disk} ${rootOverlay}`;
  const disks: LabDisk[] = [];
  for (const serial of guest.nvmeSerials) {
    const file = join(paths.runDir, `nvme-${serial}.qcow2`);
    await sh`qemu-img create -q -f qcow2 ${file} ${guest.nvmeSize}`;
    disks.push({ serial, byId: nvmeById(serial), file });
  }
  // -daemonize returns once qemu has opened its devices, so errors surface here.
  await sh`ip netns exec ${net.labNetns} qemu-system-x86_64 ${qemuArgs(image, boot, disks, rootOverlay)}`;
  const pid = Number(readFileSync(paths.qemuPid, "utf8").trim());
  return { pid, disks };
}

function serialTail(lines = 30): string {
  if (!existsSync(paths.serialLog)) return "(no serial log)";
  // The console writes CR LF and escape sequences; keep the text readable.
  const text = readFileSync(paths.serialLog, "utf8").replace(/\r/g, "").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  const tail = text.split("\n").slice(-lines).join("\n");
  return tail.trim() ? tail : "(the serial console is still empty: the firmware has not started the boot loader)";
}

/** The guest's boot id once SSH answers; fails with the serial console's tail on timeout. */
export async function waitForSsh(qemuPid: number, timeoutMs: number = guest.sshTimeoutMs, notBootId?: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(qemuPid)) throw new Error(`qemu exited while the guest was booting. Serial console:\n${serialTail()}`);
    const r = await sshRun(net.guestIp, "cat /proc/sys/kernel/random/boot_id", { check: false, timeoutMs: 15_000 }).catch(
      () => undefined,
    );
    const bootId = r?.exitCode === 0 ? r.stdout.trim() : "";
    if (bootId && bootId !== notBootId) return bootId;
    await sleep(1000);
  }
  throw new Error(
    `the guest did not answer SSH at ${net.guestIp} within ${timeoutMs / 1000} s. Last 30 lines of the serial console (${paths.serialLog}):\n${serialTail()}`,
  );
}
