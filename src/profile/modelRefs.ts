import { catalogModels, type Catalog } from "./catalog.js";
import { problemAt, type YamlSource } from "./source.js";
import { suggestion, type Problem } from "./problems.js";

/**
 * Each inference service names a model by its key in profiles/catalog/models.yaml. A key the
 * catalog does not know (`llama-3.1-70B`) is a typo in the profile, not a budget that failed:
 * one located problem with a did-you-mean, so `npm run check` says invalid (exit 2) instead
 * of budgeting a model of zero bytes.
 */
export function modelRefProblems(data: unknown, sources: readonly YamlSource[], catalog: Catalog): Problem[] {
  const services = (data as { inference?: { services?: unknown } } | null)?.inference?.services;
  if (!Array.isArray(services)) return [];
  const known = catalogModels(catalog, "models");
  const problems: Problem[] = [];
  services.forEach((s, i) => {
    const model = (s as { model?: unknown } | null)?.model;
    if (typeof model !== "string" || model === "" || catalog.entries.models.has(model)) return; // zod reports a missing or mistyped one
    problems.push(problemAt(sources, ["inference", "services", i, "model"], `unknown model ${JSON.stringify(model)}${suggestion(model, known)} (known in profiles/catalog/models.yaml: ${known.join(", ")})`));
  });
  return problems;
}
