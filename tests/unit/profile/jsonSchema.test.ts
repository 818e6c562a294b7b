import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parse } from "yaml";
import { profileJsonSchema, PROFILE_SCHEMA_FILE } from "../../../src/profile/jsonSchema.js";
import { catalogModels, loadCatalog } from "../../../src/profile/catalog.js";
import { validate } from "../../helpers/jsonSchema.js";

const ROOT = join(import.meta.dirname, "../../..");
const SCHEMA = profileJsonSchema();

/** Every profile the repository ships: profiles/*.yaml and the lab's. */
function shippedProfiles(): string[] {
  return ["profiles", "lab/profiles"].flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => join(ROOT, d, f)),
  );
}

describe(`${PROFILE_SCHEMA_FILE}`, () => {
  it("is current: the file in the repository is what `npm run schema` writes", () => {
    const onDisk = readFileSync(join(ROOT, PROFILE_SCHEMA_FILE), "utf8");
    expect(onDisk, "the zod schema or a catalog changed: run `npm run schema` and commit the file").toBe(`${JSON.stringify(SCHEMA, null, 2)}\n`);
  });

  for (const file of shippedProfiles()) {
    const name = relative(ROOT, file);
    it(`${name} names it on its first line, and is valid against it`, () => {
      const text = readFileSync(file, "utf8");
      const want = relative(dirname(file), join(ROOT, PROFILE_SCHEMA_FILE));
      expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=${want}`);
      expect(validate(SCHEMA, parse(text))).toEqual([]);
    });
  }

  it("offers the catalogs' keys as the values of every model field", () => {
    const { catalog } = loadCatalog();
    const props = (s: unknown) => (s as { properties: Record<string, unknown> }).properties;
    const field = (s: unknown) => (s as { anyOf?: unknown[] }).anyOf?.[0] ?? s;
    const hw = props(SCHEMA).hardware as unknown;
    expect((field(props(field(props(hw).cpu)).model) as { enum: string[] }).enum).toEqual(catalogModels(catalog!, "cpus"));
    const gpuItem = (field(props(hw).gpus) as { items: unknown }).items;
    expect((field(props(gpuItem).model) as { enum: string[] }).enum).toEqual(catalogModels(catalog!, "gpus"));
    const services = (field(props(field(props(SCHEMA).inference)).services) as { items: unknown }).items;
    expect((field(props(services).model) as { enum: string[] }).enum).toEqual(catalogModels(catalog!, "models"));
  });

  it("accepts a file that only extends and overrides, with null removing an optional key", () => {
    expect(validate(SCHEMA, { extends: "./base.yaml", name: "mine", hardware: { psu: { model: null, ratedW: 1600 } } })).toEqual([]);
  });

  it("flags what the loader would refuse: an unknown key, a model the catalog lacks, a wrong type", () => {
    expect(validate(SCHEMA, { hardware: { circuit: { ampz: 20 } } }).join("\n")).toContain("$.hardware.circuit: unknown key ampz");
    expect(validate(SCHEMA, { hardware: { gpus: [{ model: "rtx-pro-6000", count: 1 }] } }).join("\n")).toContain('"rtx-pro-6000" is not one of');
    expect(validate(SCHEMA, { inference: { services: [{ model: "llama-3.1-70B" }] } }).join("\n")).toContain('"llama-3.1-70B" is not one of');
    expect(validate(SCHEMA, { hardware: { circuit: { amps: "twenty" } } }).join("\n")).toContain("expected integer");
  });
});
