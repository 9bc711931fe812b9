import type { EnvironmentSpec } from "./environment_file.js";
import { selectorMatches } from "./selectors.js";

/**
 * The spec as it applies to one platform: entries whose selector does not
 * match `platform` are dropped (with their locations), as conda-lock does
 * before each per-platform solve.
 */
export function specForPlatform(spec: EnvironmentSpec, platform: string): EnvironmentSpec {
  const keep = (locations: EnvironmentSpec["specLocations"], count: number) =>
    Array.from({ length: count }, (_, i) => selectorMatches(locations?.[i]?.selector, platform));
  const keepDeps = keep(spec.specLocations, spec.dependencies.length);
  const keepPip = keep(spec.pipLocations, spec.pip.length);
  const out: EnvironmentSpec = {
    ...spec,
    dependencies: spec.dependencies.filter((_, i) => keepDeps[i]),
    pip: spec.pip.filter((_, i) => keepPip[i]),
  };
  if (spec.specLocations !== undefined) out.specLocations = spec.specLocations.filter((_, i) => keepDeps[i]);
  if (spec.pipLocations !== undefined) out.pipLocations = spec.pipLocations.filter((_, i) => keepPip[i]);
  return out;
}
