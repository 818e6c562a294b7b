/**
 * What `npm run discover` runs on the host: read-only commands, each output under a marker
 * line so one SSH round trip brings everything back. Nothing here writes anywhere; a tool that
 * is missing (nvidia-smi before the driver, mokutil, lspci) just leaves its section empty.
 */

/** The nvidia-smi fields discover asks for, in this order (`--query-gpu`). */
export const GPU_FIELDS = ["index", "name", "uuid", "pci.bus_id", "memory.total", "power.default_limit", "power.min_limit", "power.max_limit"] as const;

/** The PCIe link, asked apart: a driver that lacks one of these fields fails the whole query. */
export const LINK_FIELDS = ["index", "pcie.link.gen.max", "pcie.link.width.max"] as const;

export const SECTIONS = ["hostname", "os-release", "uname", "mokutil", "cpuinfo", "meminfo", "dmidecode-memory", "nvidia-smi", "nvidia-smi-link", "lspci", "lsblk", "by-id", "nvme-link"] as const;
export type Section = (typeof SECTIONS)[number];

const MARK = "@@aiws-discover:";

/** The bash script: one section per tool, stderr folded in so a failure says why. */
export function probeScript(): string {
  const run: Record<Section, string> = {
    hostname: "hostname",
    "os-release": "cat /etc/os-release",
    uname: "uname -r",
    mokutil: "command -v mokutil >/dev/null && mokutil --sb-state",
    cpuinfo: "grep -E '^(model name|physical id|cpu cores)' /proc/cpuinfo | sort -u",
    meminfo: "grep -E '^MemTotal:' /proc/meminfo",
    "dmidecode-memory": "command -v dmidecode >/dev/null && dmidecode -t memory",
    "nvidia-smi": `command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=${GPU_FIELDS.join(",")} --format=csv,nounits`,
    "nvidia-smi-link": `command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=${LINK_FIELDS.join(",")} --format=csv,nounits`,
    lspci: "command -v lspci >/dev/null && lspci -D -nn | grep -E '\\[(0300|0302)\\].*\\[10de:'",
    lsblk: "lsblk -J -b -o NAME,PATH,TYPE,SIZE,MODEL,SERIAL,TRAN,RM,FSTYPE,LABEL,MOUNTPOINTS",
    "by-id": "for l in /dev/disk/by-id/*; do [ -e \"$l\" ] && printf '%s %s\\n' \"$l\" \"$(readlink -f \"$l\")\"; done",
    "nvme-link": "for d in /sys/class/nvme/nvme*; do [ -e \"$d/device/current_link_speed\" ] && printf '%s %s\\n' \"${d##*/}\" \"$(cat \"$d/device/current_link_speed\")\"; done",
  };
  const lines = ["set -u", "export LC_ALL=C"];
  for (const s of SECTIONS) lines.push(`echo '${MARK}${s}'`, `{ ${run[s]}; } 2>&1 || true`);
  return `${lines.join("\n")}\n`;
}

/** Splits the script's output back into sections (an absent section is ""). */
export function splitSections(out: string): Record<Section, string> {
  const result = Object.fromEntries(SECTIONS.map((s) => [s, ""])) as Record<Section, string>;
  let current: Section | undefined;
  const buf: string[] = [];
  const flush = () => {
    if (current) result[current] = buf.join("\n").trim();
    buf.length = 0;
  };
  for (const line of out.split("\n")) {
    if (line.startsWith(MARK)) {
      flush();
      const name = line.slice(MARK.length).trim();
      current = (SECTIONS as readonly string[]).includes(name) ? (name as Section) : undefined;
    } else if (current) buf.push(line);
  }
  flush();
  return result;
}

/** The script's output assembled from one text per section (the tests' recorded outputs). */
export function joinSections(parts: Partial<Record<Section, string>>): string {
  return SECTIONS.map((s) => `${MARK}${s}\n${parts[s] ?? ""}`).join("\n");
}
