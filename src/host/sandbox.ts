/**
 * systemd sandboxing for the services aiws writes: what a unit may see and do beyond running
 * its program as its user. Each directive narrows what a compromised runtime (a crafted prompt
 * or model file, a bug in an HTTP server that listens on the LAN) could reach. Measured with
 * `systemd-analyze security --offline=yes` in tests/unit/host/unitExposure.test.ts.
 *
 * Left out on purpose: MemoryDenyWriteExecute (Python, PyTorch and CUDA compile code at run
 * time), ProcSubset=pid (the runtimes read /proc/meminfo and /proc/cpuinfo), PrivateUsers
 * (device and file ownership on the host must stay as it is).
 */
export interface SandboxArgs {
  /** Directories the service writes; the rest of the file system is read-only. A leading `-` tolerates a missing one. */
  readonly readWritePaths: readonly string[];
  /** `gpu`: only the NVIDIA character devices (and the pseudo devices); `none`: a private /dev without hardware. */
  readonly devices: "gpu" | "none";
  /** Writes /sys tunables (the CPU governor): /sys stays writable. */
  readonly kernelTunables?: boolean;
  /** Needs no network at all: a private network namespace with only loopback. */
  readonly noNetwork?: boolean;
  /** The only capabilities it may hold (a root service's; none when absent). */
  readonly capabilities?: readonly string[];
  /** `read-only`: it reads users' homes (a backup of /home); otherwise they are hidden. */
  readonly home?: "hidden" | "read-only";
}

export function sandboxDirectives(a: SandboxArgs): string[] {
  return [
    "# Sandboxing (src/host/sandbox.ts): a read-only system, no home directories, no capabilities but those named.",
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "ProtectSystem=strict",
    ...(a.readWritePaths.length > 0 ? [`ReadWritePaths=${a.readWritePaths.join(" ")}`] : []),
    `ProtectHome=${a.home === "read-only" ? "read-only" : "yes"}`,
    ...(a.devices === "gpu" ? ["DevicePolicy=closed", "DeviceAllow=char-nvidia* rw", "DeviceAllow=char-nvidia-uvm rw"] : ["PrivateDevices=yes"]),
    ...(a.kernelTunables ? [] : ["ProtectKernelTunables=yes"]),
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    "PrivateIPC=yes",
    "KeyringMode=private",
    "UMask=0077",
    `CapabilityBoundingSet=${(a.capabilities ?? []).join(" ")}`,
    "AmbientCapabilities=",
    ...(a.noNetwork ? ["PrivateNetwork=yes", "RestrictAddressFamilies=AF_UNIX"] : ["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"]),
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged",
    "SystemCallErrorNumber=EPERM",
  ];
}
