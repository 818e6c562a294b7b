/**
 * The lab network, all inside namespaces the lab creates:
 *
 *   host ── aiws-host (10.200.0.1) ═veth═ aiws-host-br ─┐
 *                                    [netns aiws-lab]  aiws-br0 ── aiws-tap0 ── qemu (guest 10.200.0.10)
 *   [netns aiws-nas] aiws-nas0 (10.200.0.20) ═veth═ aiws-nas-br ─┘
 *
 * Nothing routes anywhere else: no gateway, no NAT, no forwarding. The guest and the NAS can
 * reach each other and the host's lab address, and nothing outside.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { net } from "./config.js";
import { sh } from "./processes.js";


export async function namespaces(): Promise<string[]> {
  const r = await sh({ nothrow: true })`ip netns list`;
  return r.stdout
    .split("\n")
    .map((l) => l.split(/\s+/)[0] ?? "")
    .filter((n) => n === net.labNetns || n === net.nasNetns);
}

async function linkExists(name: string): Promise<boolean> {
  return (await sh({ nothrow: true })`ip link show dev ${name}`).exitCode === 0;
}

export async function networkUp(): Promise<void> {
  // Refuse rather than shadow a route the host already has for the lab's subnet.
  const route = (await sh`ip -4 route show to match ${net.hostIp}`).stdout;
  const clash = route.split("\n").find((l) => l.startsWith(net.subnet) && !l.includes(net.hostVeth));
  if (clash) throw new Error(`the host already routes ${net.subnet} (${clash.trim()}); the lab needs that subnet`);

  const lab = ["-n", net.labNetns];
  const nasNs = ["-n", net.nasNetns];
  await sh`ip netns add ${net.labNetns}`;
  await sh`ip netns add ${net.nasNetns}`;
  await sh`ip ${lab} link set lo up`;
  await sh`ip ${nasNs} link set lo up`;

  await sh`ip ${lab} link add ${net.bridge} type bridge`;
  await sh`ip ${lab} link set ${net.bridge} up`;
  await sh`ip ${lab} tuntap add dev ${net.tap} mode tap`;
  await sh`ip ${lab} link set ${net.tap} master ${net.bridge} up`;

  await sh`ip link add ${net.hostVeth} type veth peer name ${net.hostVethPeer} netns ${net.labNetns}`;
  await sh`ip ${lab} link set ${net.hostVethPeer} master ${net.bridge} up`;
  await sh`ip addr add ${`${net.hostIp}/${net.prefix}`} dev ${net.hostVeth}`;
  await sh`ip link set ${net.hostVeth} up`;

  await sh`ip ${lab} link add ${net.nasVethPeer} type veth peer name ${net.nasVeth} netns ${net.nasNetns}`;
  await sh`ip ${lab} link set ${net.nasVethPeer} master ${net.bridge} up`;
  await sh`ip ${nasNs} addr add ${`${net.nasIp}/${net.prefix}`} dev ${net.nasVeth}`;
  await sh`ip ${nasNs} link set ${net.nasVeth} up`;
}

/** Pids of every process inside the lab's namespaces (qemu, the NAS sshd and its sessions). */
export async function namespacePids(): Promise<number[]> {
  const pids: number[] = [];
  for (const ns of await namespaces()) {
    const r = await sh({ nothrow: true })`ip netns pids ${ns}`;
    pids.push(...r.stdout.split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

/**
 * Deletes the namespaces (their veth ends and the bridge go with them) and the host veth.
 * `ip netns add` also bind-mounts /run/netns onto itself (to share the namespace mounts) and
 * leaves that mount behind: it goes too, once no namespace at all is left in it.
 */
export async function networkDown(): Promise<void> {
  for (const ns of await namespaces()) await sh({ nothrow: true })`ip netns delete ${ns}`;
  if (await linkExists(net.hostVeth)) await sh({ nothrow: true })`ip link delete ${net.hostVeth}`;
  const runNetns = "/run/netns";
  const mounted = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[4] === runNetns);
  if (mounted && existsSync(runNetns) && readdirSync(runNetns).length === 0) {
    await sh({ nothrow: true })`umount ${runNetns}`;
  }
}
