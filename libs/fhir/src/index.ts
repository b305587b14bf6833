export * from './fhir.module';
export { FHIR_JSON, outcomeOf } from './outcome.filter';
export { capabilityStatement } from './mapping/capability';
