import { DEFAULT_SMART_SCOPE, smartConfig, webConfig } from './web-app';

const OIDC = { OIDC_ISSUER: 'https://ehr.hospital.example/oauth', OIDC_AUDIENCE: 'oversight-registry' };

describe('SMART launch settings served to the browser', () => {
  it('is off without SMART_FHIR_ISSUERS, so standalone sign-in is all the app offers', () => {
    expect(smartConfig({})).toBeNull();
    expect(webConfig(OIDC).smart).toBeNull();
  });

  it('lists the allowed FHIR servers without trailing slashes, with the client id and the scopes', () => {
    const env = { ...OIDC, SMART_FHIR_ISSUERS: ' https://ehr.hospital.example/fhir/r4/ , http://127.0.0.1:8080/fhir', SMART_CLIENT_ID: 'registry-web' };
    expect(webConfig(env).smart).toEqual({
      fhirIssuers: ['https://ehr.hospital.example/fhir/r4', 'http://127.0.0.1:8080/fhir'],
      clientId: 'registry-web',
      scope: DEFAULT_SMART_SCOPE,
    });
    expect(smartConfig({ ...env, SMART_SCOPE: 'launch openid fhirUser patient/*.rs' })?.scope).toBe('launch openid fhirUser patient/*.rs');
    // Without its own client id, the web app's OIDC client id is used.
    expect(smartConfig({ ...OIDC, SMART_FHIR_ISSUERS: 'https://ehr.hospital.example/fhir', OIDC_WEB_CLIENT_ID: 'web' })?.clientId).toBe('web');
  });

  it('refuses to start when the EHR tokens could not be verified, or a FHIR server is reached in clear', () => {
    expect(() => smartConfig({ SMART_FHIR_ISSUERS: 'https://ehr.hospital.example/fhir', SMART_CLIENT_ID: 'web' })).toThrow(/OIDC_ISSUER/);
    expect(() => smartConfig({ ...OIDC, SMART_FHIR_ISSUERS: 'http://ehr.hospital.example/fhir', SMART_CLIENT_ID: 'web' })).toThrow(/must use https/);
    expect(() => smartConfig({ ...OIDC, SMART_FHIR_ISSUERS: 'not a url', SMART_CLIENT_ID: 'web' })).toThrow(/not a URL/);
  });
});
