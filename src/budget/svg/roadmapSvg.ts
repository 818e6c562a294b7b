import type { RoadmapReport } from "../roadmap.js";
export function roadmapSvg(_r: RoadmapReport): string { return ""; }
