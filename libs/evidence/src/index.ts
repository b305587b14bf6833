export * from './ledger/canonical-json';
export * from './ledger/merkle';
export * from './ledger/compact-range';
export * from './ledger/leaf';
export * from './ledger/tree-head';
export * from './ledger/ledger.service';
export * from './evidence.module';
