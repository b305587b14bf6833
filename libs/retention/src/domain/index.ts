export * from './retention-rule';
export * from './hold-scope';
export * from './log-artefact.decider';
export * from './retention-policy.decider';
export * from './legal-hold.decider';
