/**
 * The hospital's time zone: local dates, ends of days and holidays are counted there. Its own
 * entry (`@app/calendar/zone`) so code that needs only the zone, such as the offline bundle
 * verifier's timeline, does not load the holiday tables.
 */
export const HOSPITAL_ZONE = 'Europe/Amsterdam';
