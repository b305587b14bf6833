import { incidentsConfigFromEnv, supplierEndpoint } from './incidents.config';

const SECRET = 'a-secret-of-16-chars';

describe('incidents configuration', () => {
  it('reads suppliers with a webhook, an email address, or both', () => {
    const config = incidentsConfigFromEnv({
      SUPPLIER_WEBHOOKS: JSON.stringify({
        'Acme Imaging B.V.': { url: 'https://acme.example/hook', secret: SECRET },
        'Mail Only B.V.': { email: 'vigilance@mail-only.example', secret: SECRET },
        Both: { url: 'https://both.example/hook', email: 'vigilance@both.example', secret: SECRET },
      }),
    });
    expect(supplierEndpoint(config, 'x', 'ACME IMAGING B.V.')).toEqual({ url: 'https://acme.example/hook', email: null, secret: SECRET });
    expect(supplierEndpoint(config, 'x', 'Mail Only B.V.')).toEqual({ url: null, email: 'vigilance@mail-only.example', secret: SECRET });
    expect(supplierEndpoint(config, 'x', 'both')).toMatchObject({ url: 'https://both.example/hook', email: 'vigilance@both.example' });
    expect(config.smtp).toBeNull();
  });

  it.each([
    [{ secret: SECRET }],
    [{ email: 'not an address', secret: SECRET }],
    [{ email: 'vigilance@acme.example', secret: 'short' }],
    [{ url: 'ftp://acme.example', secret: SECRET }],
  ])('refuses a supplier entry %j', (entry) => {
    expect(() => incidentsConfigFromEnv({ SUPPLIER_WEBHOOKS: JSON.stringify({ Acme: entry }) })).toThrow(/url and\/or an email address/);
  });

  it('reads SMTP_URL and SMTP_FROM; STARTTLS is required except on loopback or when switched off', () => {
    const smtp = (url: string) => incidentsConfigFromEnv({ SMTP_URL: url, SMTP_FROM: '"Registry" <registry@hospital.example>' }).smtp;
    expect(smtp('smtp://user%40x:p%3Ass@mail.hospital.example:587')).toEqual({
      host: 'mail.hospital.example',
      port: 587,
      secure: false,
      requireTLS: true,
      user: 'user@x',
      pass: 'p:ss',
      from: '"Registry" <registry@hospital.example>',
    });
    expect(smtp('smtps://mail.hospital.example')).toMatchObject({ port: 465, secure: true, requireTLS: false, user: null, pass: null });
    expect(smtp('smtp://127.0.0.1:2525')).toMatchObject({ requireTLS: false });
    expect(smtp('smtp://relay.internal:25?requireTLS=false')).toMatchObject({ requireTLS: false });
  });

  it('refuses an SMTP_URL that is not smtp(s), or one without SMTP_FROM, and SMTP_FROM alone', () => {
    expect(() => incidentsConfigFromEnv({ SMTP_URL: 'http://mail.example', SMTP_FROM: 'a@b.example' })).toThrow(/SMTP_URL must be/);
    expect(() => incidentsConfigFromEnv({ SMTP_URL: 'smtp://mail.example' })).toThrow(/SMTP_FROM must be set/);
    expect(() => incidentsConfigFromEnv({ SMTP_FROM: 'a@b.example' })).toThrow(/SMTP_URL is not/);
    expect(() => incidentsConfigFromEnv({ SMTP_URL: 'smtp://mail.example?requireTLS=yes', SMTP_FROM: 'a@b.example' })).toThrow(/requireTLS/);
  });
});

describe('incident deadline policy settings', () => {
  it('counts 5 May as a holiday by default (Algemene termijnenwet art. 3(1)) and reads the setting', () => {
    expect(incidentsConfigFromEnv({}).policy).toEqual({
      providerInformHours: 24,
      authorityInformHours: 24,
      igjWorkingDays: 3,
      liberationDayIsHoliday: true,
      aiActBeforeApplication: true,
      patientInformHours: 72,
      dataSubjectInformHours: 72,
      nis2AppliesFrom: null,
      adoptedBy: null,
    });
    expect(incidentsConfigFromEnv({ INCIDENT_LIBERATION_DAY_IS_HOLIDAY: 'false' }).policy.liberationDayIsHoliday).toBe(false);
  });

  it('reads the judgements the hospital records (docs/legal/sources.md J1, J9) and who adopted them', () => {
    const policy = incidentsConfigFromEnv({
      INCIDENT_AUTHORITY_INFORM_HOURS: '12',
      INCIDENT_AI_ACT_BEFORE_APPLICATION: 'false',
      INCIDENT_POLICY_ADOPTED_BY: '  Raad van Bestuur, besluit 2026-11-20  ',
    }).policy;
    expect(policy).toMatchObject({ authorityInformHours: 12, aiActBeforeApplication: false, adoptedBy: 'Raad van Bestuur, besluit 2026-11-20' });
    expect(() => incidentsConfigFromEnv({ INCIDENT_POLICY_ADOPTED_BY: 'x'.repeat(201) })).toThrow(/at most 200 characters/);
    expect(() => incidentsConfigFromEnv({ INCIDENT_AI_ACT_BEFORE_APPLICATION: 'yes' })).toThrow(/must be true or false/);
  });

  it('refuses a setting it would have to guess, and working days that are not whole', () => {
    expect(() => incidentsConfigFromEnv({ INCIDENT_LIBERATION_DAY_IS_HOLIDAY: 'no' })).toThrow(/INCIDENT_LIBERATION_DAY_IS_HOLIDAY must be true or false/);
    expect(() => incidentsConfigFromEnv({ INCIDENT_IGJ_WORKING_DAYS: '2.5' })).toThrow(/INCIDENT_IGJ_WORKING_DAYS must be a whole number/);
  });
});
