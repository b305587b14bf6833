import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

const ROOT = join(__dirname, '..', '..');

/** Every module that declares request DTOs: the DTO files and the controllers (a few keep a query DTO beside the route). */
function dtoModules(): string[] {
  const inLibs = readdirSync(join(ROOT, 'libs')).flatMap((lib) => {
    const http = join(ROOT, 'libs', lib, 'src', 'http');
    try {
      return readdirSync(http)
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
        .map((f) => join(http, f));
    } catch {
      return [];
    }
  });
  const platform = readdirSync(join(ROOT, 'libs', 'platform', 'src'))
    .filter((f) => f.endsWith('.dto.ts'))
    .map((f) => join(ROOT, 'libs', 'platform', 'src', f));
  const api = readdirSync(join(ROOT, 'apps', 'api', 'src'))
    .filter((f) => f.endsWith('.controller.ts'))
    .map((f) => join(ROOT, 'apps', 'api', 'src', f));
  return [...inLibs, ...platform, ...api];
}

export type DtoClass = new () => object;

/** The class-validator metadata of a DTO, own and inherited, by property. */
export function validationMetadata(cls: DtoClass): Map<string, ValidationMetadata[]> {
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const m of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false)) {
    byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
  }
  return byProperty;
}

/** Every exported class with class-validator metadata, by name (names are unique: they are the OpenAPI schema names). */
export function requestDtos(): Map<string, DtoClass> {
  const out = new Map<string, DtoClass>();
  for (const file of dtoModules()) {
    // A list of files found at run time, loaded while the suites are being declared: synchronously.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const value of Object.values(require(file) as Record<string, unknown>)) {
      if (typeof value === 'function' && validationMetadata(value as DtoClass).size > 0) out.set(value.name, value as DtoClass);
    }
  }
  return out;
}
