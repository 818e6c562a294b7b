import { z } from "zod";
import { nonEmptyText, text } from "./text.js";

/**
 * Hardware: what the workstation is built from. Catalog-backed parts (`gpus`, `cpu`, `psu`)
 * name a `model` from profiles/catalog/ and may override any catalog figure; the loader
 * merges catalog and profile before these schemas see the part, so every figure below is
 * either from the catalog or written by the user.
 */

const watts = z.number().nonnegative().max(10_000);

/** Draw of one component in three states, in watts (DESIGN: idle / typical / peak). */
const drawSchema = z
  .object({
    idle: watts.describe("W at idle"),
    typical: watts.describe("W under a typical sustained workload"),
    peak: watts.describe("W at the highest steady draw (a CPU at its PPT, a drive writing flat out)"),
  })
  .strict();

export const gpuSpecSchema = z
  .object({
    name: nonEmptyText(),
    architecture: z.enum(["blackwell", "hopper", "ada", "ampere"]),
    vramGiB: z.number().positive().max(1024),
    /**
     * What the driver exposes (nvidia-smi memory.total), MiB: a little less than the nominal
     * size. Runtimes size their share from it; without it aiws takes the nominal size.
     */
    usableVramMiB: z.number().positive().max(1024 * 1024).optional(),
    memoryBandwidthGBs: z.number().positive(),
    tdpW: watts.positive().describe("board power at the default limit"),
    draw: drawSchema,
    /** The range `nvidia-smi -pl` accepts and the limit after a driver load. */
    powerLimitRangeW: z
      .object({
        min: watts.positive(),
        max: watts.positive(),
        default: watts.positive(),
      })
      .strict(),
    connector: z.enum(["12v-2x6", "8-pin", "none"]).describe("the card's power connector"),
    connectorCount: z.number().int().min(0).max(4),
    /** Short excursions (100 µs) as a multiple of the sustained draw: PCIe CEM 5.0 allows 3x; measured cards stay near 2x. */
    transientFactor: z.number().min(1).max(4),
    notes: text().optional(),
  })
  .strict();

/** A GPU UUID as nvidia-smi prints it (`nvidia-smi --query-gpu=uuid`). */
export const GPU_UUID = /^GPU-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const gpuEntrySchema = gpuSpecSchema
  .extend({
    model: nonEmptyText(),
    count: z.number().int().min(1).max(8),
    /** The per-GPU power limit aiws sets and keeps across reboots; when set, it is the GPU's sustained draw. */
    powerLimitW: watts.positive().optional(),
    /**
     * The cards' UUIDs (`nvidia-smi --query-gpu=uuid`), as `npm run discover` pins them: when
     * set, pulumi up and drift refuse a host without these very cards (a swapped or missing one).
     */
    uuids: z
      .array(z.string().regex(GPU_UUID, "a GPU UUID as nvidia-smi prints it: GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"))
      .optional(),
  })
  .strict();

export const cpuSpecSchema = z
  .object({
    name: nonEmptyText(),
    cores: z.number().int().positive(),
    tdpW: watts.positive(),
    draw: drawSchema,
    memoryChannels: z.number().int().positive().max(16),
    notes: text().optional(),
  })
  .strict();

const cpuEntrySchema = cpuSpecSchema
  .extend({
    model: nonEmptyText(),
    /**
     * A package power (PPT) limit the owner sets in the BIOS, W. Without it the CPU is budgeted
     * at its PPT (`draw.peak`) for sustained loads too: CPU-offloaded inference holds it for
     * hours while the GPUs run. `npm run check` lists it among the assumptions to confirm.
     */
    pptCapW: watts.positive().optional(),
  })
  .strict();

export const psuSpecSchema = z
  .object({
    name: nonEmptyText(),
    ratedW: watts.positive(),
    atxVersion: z.enum(["2.x", "3.0", "3.1"]),
    efficiency: z.enum(["bronze", "gold", "platinum", "titanium"]),
    native12v2x6: z.number().int().min(0).max(8).describe("native 12V-2x6 / 12VHPWR (16-pin) connectors"),
    pcie8pin: z.number().int().min(0).max(16),
    notes: text().optional(),
  })
  .strict();

/** A PSU either names a catalog model (and may override figures) or states every figure itself. */
const psuEntrySchema = psuSpecSchema.extend({ model: nonEmptyText().optional() }).strict();

const memorySchema = z
  .object({
    modules: z.number().int().min(1).max(16),
    moduleGB: z.number().int().positive().max(512),
    kind: z.enum(["ddr5-rdimm", "ddr5-udimm", "ddr4-rdimm"]),
    speedMTs: z.number().int().positive().max(12_000),
    /** Each module's draw; DDR5 RDIMM figures are poorly sourced (1-2.5 W claimed), budget 10 W peak. */
    draw: drawSchema.default({ idle: 3, typical: 5, peak: 10 }),
  })
  .strict();

export const byIdPath = z
  .string()
  .regex(/^\/dev\/disk\/by-id\/[A-Za-z0-9._:+@-]+$/, "must be a /dev/disk/by-id/... path (never /dev/nvme0n1: those names change between boots)");

const driveSchema = z
  .object({
    id: byIdPath,
    role: z.enum(["os", "data", "raid", "spare"]),
    model: nonEmptyText(),
    serial: nonEmptyText().describe("the drive's serial, as `lsblk -o SERIAL` prints it; the wipe list names drives by it"),
    sizeGB: z.number().positive(),
    interface: z.enum(["nvme-gen3", "nvme-gen4", "nvme-gen5", "sata"]),
    /** NVMe: 5/10/20 W (the packet's per-drive budget; Gen5 datasheets peak near 14 W, the packet's 20 W is the higher). */
    draw: drawSchema.default({ idle: 5, typical: 10, peak: 20 }),
  })
  .strict();

const circuitSchema = z
  .object({
    volts: z.union([z.literal(100), z.literal(115), z.literal(120), z.literal(208), z.literal(230), z.literal(240)], {
      error: "the wall circuit's voltage: one of 100, 115, 120, 208, 230, 240 (120 in North America, 230 in most of Europe)",
    }),
    amps: z.number().int().min(5).max(50),
    /** Fraction of the breaker a continuous load (3 h or more) may use: 0.8 under the NEC. */
    continuousFraction: z.number().gt(0).max(1).default(0.8),
  })
  .strict();

const upsSchema = z
  .object({
    model: nonEmptyText().optional(),
    watts: watts.positive().describe("the UPS's rating in watts: VA is not watts"),
    va: watts.positive().optional(),
  })
  .strict();

/** The rest of the machine: board, fans and pump, USB and network. Packet figures, the higher of each pair. */
const platformSchema = z
  .object({
    board: drawSchema.default({ idle: 30, typical: 40, peak: 60 }),
    fans: drawSchema.default({ idle: 10, typical: 15, peak: 25 }),
    peripherals: drawSchema.default({ idle: 10, typical: 10, peak: 10 }),
  })
  .strict();

export const hardwareSchema = z
  .object({
    cpu: cpuEntrySchema,
    memory: memorySchema,
    gpus: z.array(gpuEntrySchema).max(8),
    drives: z.array(driveSchema).min(1),
    psu: psuEntrySchema,
    circuit: circuitSchema,
    ups: upsSchema.optional(),
    platform: platformSchema.default({
      board: { idle: 30, typical: 40, peak: 60 },
      fans: { idle: 10, typical: 15, peak: 25 },
      peripherals: { idle: 10, typical: 10, peak: 10 },
    }),
  })
  .strict();

export type PsuSpec = z.infer<typeof psuSpecSchema>;
export type Drive = z.infer<typeof driveSchema>;
export type Hardware = z.infer<typeof hardwareSchema>;
export type Draw = z.infer<typeof drawSchema>;
