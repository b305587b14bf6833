import {
  type ArgumentMetadata,
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
  type Type,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import { unsafeInputProblems } from './input-text';
import { ProblemException, type FieldProblem } from './problem';

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

function validationFailed(list: FieldProblem[]): ProblemException {
  return new ProblemException(400, 'validation-failed', 'The request is not valid', list.map((e) => `${e.field}: ${e.message}`).join('; '), list);
}

type Validate = (object: object, options?: ValidatorOptions) => Promise<ValidationError[]> | ValidationError[];

/**
 * The field whose validator threw: each property validated on its own (missing ones skipped),
 * descending into nested objects and arrays. `undefined` when no single property throws.
 */
async function throwingField(validate: Validate, object: object, options: ValidatorOptions | undefined, path = ''): Promise<string | undefined> {
  for (const [key, value] of Object.entries(object) as [string, unknown][]) {
    // An array item is validated as itself; an object's property inside an otherwise empty copy.
    const alone = Array.isArray(object) ? value : Object.assign(Object.create(Object.getPrototypeOf(object) as object | null) as object, { [key]: value });
    if (alone === null || typeof alone !== 'object') continue;
    try {
      await validate(alone, { ...options, skipMissingProperties: true, whitelist: false, forbidNonWhitelisted: false });
    } catch {
      const field = `${path}${key}`;
      const inner = value !== null && typeof value === 'object' ? await throwingField(validate, value, options, `${field}.`) : undefined;
      return inner ?? field;
    }
  }
  return undefined;
}

/**
 * A DTO class may check a body itself, faster than class-validator walks its decorators (a feed
 * batch is 1,000 nested objects, ADR 0044): `static [PRECHECKED](value)` returns the DTO when the
 * value is one the decorators accept as it is, and `undefined` for anything else, which then goes
 * through class-validator as before, so every 400 is still worded and ordered by it.
 * The check must accept nothing the decorators refuse (a property test holds it to that).
 */
export const PRECHECKED = Symbol('prechecked');

export interface Prechecked {
  [PRECHECKED](value: unknown): object | undefined;
}

class ProblemValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Bodies, queries and path parameters; custom parameters come from headers and the token.
    if (metadata.type !== 'custom') {
      const problems = unsafeInputProblems(value, metadata.data ?? '');
      if (problems.length) throw validationFailed(problems);
      const accepted = (metadata.metatype as Partial<Prechecked> | undefined)?.[PRECHECKED]?.(value);
      if (accepted) return accepted;
    }
    return super.transform(value, metadata);
  }

  /** A validator that throws (validator.js's URIError on a lone surrogate was a 500) is a 400 naming the field. */
  protected override async validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    try {
      return await super.validate(object, options);
    } catch {
      const field = (await throwingField((o, opts) => super.validate(o, opts), object, options)) ?? 'body';
      throw validationFailed([{ field, message: 'could not be checked: not a valid value' }]);
    }
  }
}

/**
 * Whitelists, rejects unknown fields and answers with one problem naming every bad field.
 * Before any DTO: every string refuses control characters and lone surrogates, every key
 * `__proto__` / `constructor` / `prototype` (see input-text.ts).
 */
export function problemValidationPipe(): ValidationPipe {
  return new ProblemValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}

/**
 * Body and query of one request, validated in that order and answered as one problem naming
 * every bad field of both. Nest runs parameter pipes concurrently, so with `@Body()` and
 * `@Query()` side by side the field a 400 named depended on which validator settled first.
 * Document the parts with `@ApiBody` / `@ApiQuery`: Swagger does not see a custom parameter.
 */
export function BodyAndQuery(body: Type, query: Type): ParameterDecorator {
  return createParamDecorator((_: unknown, ctx: ExecutionContext) => {
    const req = ctx.switchToHttp().getRequest<{ body: unknown; query: unknown }>();
    return { body: req.body, query: req.query };
  })(undefined, new BodyThenQueryPipe(body, query));
}

class BodyThenQueryPipe implements PipeTransform<{ body: unknown; query: unknown }, Promise<{ body: unknown; query: unknown }>> {
  private readonly pipe = problemValidationPipe();
  constructor(
    private readonly body: Type,
    private readonly query: Type,
  ) {}

  async transform(value: { body: unknown; query: unknown }): Promise<{ body: unknown; query: unknown }> {
    const problems: FieldProblem[] = [];
    const check = async (part: 'body' | 'query', metatype: Type) => {
      try {
        return (await this.pipe.transform(value[part] ?? {}, { type: part, metatype })) as unknown;
      } catch (e) {
        if (!(e instanceof ProblemException) || !e.errors) throw e;
        problems.push(...e.errors);
        return undefined;
      }
    };
    const body = await check('body', this.body);
    const query = await check('query', this.query);
    if (problems.length) throw validationFailed(problems);
    return { body, query };
  }
}
