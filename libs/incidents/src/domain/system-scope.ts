import type { ScopeClassification, SystemScope } from './incident.events';

/** The registration's facts as the ai-systems context holds them (each may be missing). */
export interface RegisteredScope {
  aiActRiskClass?: SystemScope['aiActRiskClass'] | null;
  mdrClass?: string | null;
  inHouseDevice?: boolean | null;
  supplier?: { importerOrDistributor?: string | null } | null;
}

/**
 * The compliance file's classification that held at awareness, with the hospital's role then.
 * Structurally the compliance context's `ClassificationHeld` (declared here: domain code imports
 * no other context).
 */
export interface HeldClassification {
  classification: {
    aiActRiskClass: 'prohibited' | 'high' | 'limited' | 'minimal';
    mdrClass: string;
    inHouseDevice: boolean;
    legalGround: string;
    legalGroundPoint: string | null;
    dutiesApplyFrom: string;
    dutiesApplyFromBasis: string;
    decidedOn: string;
    decidedBy: { subject: string };
  };
  role: ScopeClassification['role'];
}

/**
 * The facts the rulebook reads (issue 23 item 1): the compliance file's classification that held
 * at awareness wins over the registration for the class, MDR class and in-house flag, and brings
 * the hospital's role and the date its duties apply; without one, the registration's, with
 * `unknown` when it records no class. The importer or distributor always comes from the registration.
 */
export function systemScope(registered: RegisteredScope, held: HeldClassification | null): SystemScope {
  const importerOrDistributor = registered.supplier?.importerOrDistributor ?? null;
  if (!held) {
    return {
      aiActRiskClass: registered.aiActRiskClass ?? 'unknown',
      mdrClass: registered.mdrClass ?? 'none',
      inHouseDevice: registered.inHouseDevice ?? false,
      importerOrDistributor,
    };
  }
  const c = held.classification;
  return {
    aiActRiskClass: c.aiActRiskClass,
    mdrClass: c.mdrClass,
    inHouseDevice: c.inHouseDevice,
    importerOrDistributor,
    classification: {
      decidedOn: c.decidedOn,
      decidedBy: c.decidedBy.subject,
      legalGround: c.legalGround,
      legalGroundPoint: c.legalGroundPoint,
      role: held.role,
      dutiesApplyFrom: c.dutiesApplyFrom,
      dutiesApplyFromBasis: c.dutiesApplyFromBasis,
    },
  };
}
