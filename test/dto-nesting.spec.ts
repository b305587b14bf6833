import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { ValidationTypes } from 'class-validator';
import { problemValidationPipe, ProblemException } from '@app/platform';
import { type DtoClass, requestDtos, validationMetadata } from './support/dtos';

const SCALARS: unknown[] = [String, Number, Boolean, Array, Object, Date, undefined];

/** The fields a 400 from the validation pipe names, or 'accepted'. */
async function refusal(cls: DtoClass, body: object): Promise<string[] | 'accepted'> {
  try {
    await problemValidationPipe().transform(body, { type: 'body', metatype: cls });
    return 'accepted';
  } catch (e) {
    if (!(e instanceof ProblemException)) throw e;
    return (e.errors ?? []).map((f) => f.field);
  }
}

/**
 * Issue 20, finding 2: `"supplier": []` passed `@ValidateNested()` (it validates each element
 * of an array, and there were none) and stalled a projection. Every property of every request
 * DTO that holds a DTO, or says it validates nested, must refuse an array, a string and null
 * where an object is expected, and hand the handler an instance of its class
 * (`NestedObject` in libs/platform does all of that).
 */
describe('every nested object of every request DTO is validated as its class', () => {
  const dtos = requestDtos();
  const nested = [...dtos.values()].flatMap((cls) =>
    [...validationMetadata(cls)].flatMap(([property, metas]) => {
      const nestedMeta = metas.find((m) => m.type === ValidationTypes.NESTED_VALIDATION);
      const designType = Reflect.getMetadata('design:type', cls.prototype as object, property) as unknown;
      const holdsDto = !SCALARS.includes(designType);
      return nestedMeta || holdsDto ? [{ dto: cls.name, property, cls, array: nestedMeta?.each === true || designType === Array }] : [];
    }),
  );

  it('finds the DTOs and their nested properties', () => {
    expect(dtos.size).toBeGreaterThan(30);
    expect(nested.map((n) => `${n.dto}.${n.property}`)).toEqual(
      expect.arrayContaining(['RegisterAiSystemDto.supplier', 'ReceiveDisclosureDto.requester', 'RedactionsDto.redactions']),
    );
  });

  it.each(nested.filter((n) => !n.array).map((n) => [`${n.dto}.${n.property}`, n] as const))(
    '%s refuses what is not an object and yields its class',
    async (_name, { cls, property }) => {
      for (const bad of [[], [{}], 'text', null, 42])
        expect({ bad, named: await refusal(cls, { [property]: bad }) }).toEqual({ bad, named: expect.arrayContaining([property]) as unknown });
      expect((plainToInstance(cls, { [property]: {} }) as Record<string, object>)[property]?.constructor).not.toBe(Object);
    },
  );

  it.each(nested.filter((n) => n.array).map((n) => [`${n.dto}.${n.property}`, n] as const))(
    '%s refuses elements that are not objects and yields its class',
    async (_name, { cls, property }) => {
      for (const bad of [[[]], ['text'], [null], {}, 'text'])
        expect({ bad, named: await refusal(cls, { [property]: bad }) }).toEqual({
          bad,
          named: expect.arrayContaining([expect.stringMatching(new RegExp(`^${property}(\\.|$)`)) as unknown]) as unknown,
        });
      const [element] = (plainToInstance(cls, { [property]: [{}] }) as Record<string, object[]>)[property];
      expect(element.constructor).not.toBe(Object);
    },
  );
});
