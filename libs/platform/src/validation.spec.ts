import { Type } from 'class-transformer';
import { IsOptional, IsString, ValidateBy, ValidateNested } from 'class-validator';
import { NestedObject } from './nested-object';
import { ProblemException } from './problem';
import { problemValidationPipe } from './validation';

/** validator.js throws URIError on a lone surrogate (encodeURI inside isEmail); any validator may throw. */
const Throws = () =>
  ValidateBy({ name: 'throws', validator: { validate: (v: unknown) => (v === 'boom' ? (decodeURIComponent('%E0%A4%A') as unknown as boolean) : true) } });

class ContactDto {
  @IsString() name!: string;
  @IsOptional() @Throws() email?: string;
}

class WithContactsDto {
  @NestedObject(() => ContactDto) contact!: ContactDto;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => ContactDto) others?: ContactDto[];
}

async function problemOf(
  body: unknown,
  type: 'body' | 'query' | 'param' = 'body',
  data?: string,
): Promise<{ status: number; code: string; fields: string[]; detail: string } | 'accepted'> {
  try {
    await problemValidationPipe().transform(body, { type, metatype: type === 'param' ? String : WithContactsDto, data });
    return 'accepted';
  } catch (e) {
    if (!(e instanceof ProblemException)) throw e;
    return { status: e.getStatus(), code: e.code, fields: (e.errors ?? []).map((f) => f.field), detail: e.message };
  }
}

describe('problemValidationPipe', () => {
  it('answers a validator that throws with a 400 naming its field, nested or in an array, never a 500', async () => {
    expect(await problemOf({ contact: { name: 'a', email: 'boom' } })).toMatchObject({ status: 400, code: 'validation-failed', fields: ['contact.email'] });
    expect(await problemOf({ contact: { name: 'a' }, others: [{ name: 'b' }, { name: 'c', email: 'boom' }] })).toMatchObject({
      status: 400,
      fields: ['others.1.email'],
    });
    expect(await problemOf({ contact: { name: 'a', email: 'fine' } })).toBe('accepted');
  });

  it('refuses C0 controls but tab, LF and CR, and lone surrogates, in values and keys, without repeating the text', async () => {
    for (const c of ['\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u000e', '\u001b', '\u001f']) {
      expect(await problemOf({ contact: { name: `NL-PATIENT-7${c}` } })).toMatchObject({ status: 400, fields: ['contact.name'] });
    }
    for (const s of ['lone \ud800', 'lone \udfff', '\udc00\ud800'])
      expect(await problemOf({ contact: { name: s } })).toMatchObject({ status: 400, fields: ['contact.name'] });
    expect(await problemOf({ contact: { name: 'x' }, ['bad\u0000key']: 1 })).toMatchObject({ status: 400, fields: ['body'] });
    const refused = await problemOf({ contact: { name: 'NL-PATIENT-7\u0000' } });
    expect(JSON.stringify(refused)).not.toContain('PATIENT');
    expect(await problemOf({ contact: { name: 'tab\tLF\nCRLF\r\n 🏥 \u202eRTL \u05e9 𝔘 \u200b' } })).toBe('accepted');
  });

  it('refuses prototype keys JSON.parse keeps as own properties, at any depth', async () => {
    expect(await problemOf(JSON.parse('{"contact":{"name":"a"},"__proto__":{"x":1}}'))).toMatchObject({ status: 400, fields: ['__proto__'] });
    expect(await problemOf(JSON.parse('{"contact":{"name":"a","constructor":{"prototype":{}}}}'))).toMatchObject({
      status: 400,
      fields: ['contact.constructor'],
    });
    expect(await problemOf(JSON.parse('{"contact":{"name":"a"},"others":[{"name":"b","prototype":1}]}'))).toMatchObject({
      status: 400,
      fields: ['others.0.prototype'],
    });
  });

  it('checks path parameters and query values by their name', async () => {
    expect(await problemOf('a\u0000b', 'param', 'id')).toMatchObject({ status: 400, fields: ['id'] });
    expect(await problemOf('fine', 'param', 'id')).toBe('accepted');
  });

  it('leaves raw upload bodies (Buffers) to their own checks', async () => {
    await expect(problemValidationPipe().transform(Buffer.from([0, 1, 2, 0xed, 0xa0, 0x80]), { type: 'body', metatype: Buffer })).resolves.toBeInstanceOf(
      Buffer,
    );
  });
});
