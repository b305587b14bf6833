import { allowedIssuer, displayName, formatBirthDate, standaloneScope } from './smart';

const smart = { fhirIssuers: ['https://ehr.hospital.example/fhir/r4'], clientId: 'web', scope: 'launch openid' };

describe('SMART EHR launch in the browser', () => {
  it('lets only an allow-listed FHIR server start a launch: exact match, a trailing slash aside', () => {
    expect(allowedIssuer(smart, 'https://ehr.hospital.example/fhir/r4')).toBe(true);
    expect(allowedIssuer(smart, 'https://ehr.hospital.example/fhir/r4/')).toBe(true);
    for (const iss of [
      'https://ehr.hospital.example/fhir/r4.attacker.example',
      'https://ehr.hospital.example/fhir/r4/../../evil',
      'https://ehr.hospital.example/fhir',
      'http://ehr.hospital.example/fhir/r4',
      'https://ehr.hospital.example.attacker.example/fhir/r4',
      '',
      null,
    ]) {
      expect(allowedIssuer(smart, iss)).toBe(false);
    }
    expect(allowedIssuer(null, 'https://ehr.hospital.example/fhir/r4')).toBe(false);
  });

  it('shows the official name, else the first, and a birth date as a calendar date', () => {
    expect(
      displayName([
        { use: 'nickname', given: ['Mies'] },
        { use: 'official', given: ['Maria', 'J.'], family: 'van den Berg' },
      ]),
    ).toBe('Maria J. van den Berg');
    expect(displayName([{ text: 'M. van den Berg' }])).toBe('M. van den Berg');
    expect(displayName(undefined)).toBe('—');
    expect(formatBirthDate('1957-03-14')).toBe('14 Mar 1957');
    expect(formatBirthDate('1957')).toBe('1957');
    expect(formatBirthDate(null)).toBe('—');
  });

  it('asks for a patient in a standalone launch: launch/patient in place of launch, once, the other scopes kept', () => {
    expect(standaloneScope('launch openid fhirUser patient/Patient.rs')).toBe('launch/patient openid fhirUser patient/Patient.rs');
    expect(standaloneScope('openid  launch/patient patient/Patient.rs')).toBe('launch/patient openid patient/Patient.rs');
    expect(standaloneScope('openid')).toBe('launch/patient openid');
  });
});
