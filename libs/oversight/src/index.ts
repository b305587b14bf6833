export * from './domain';
export * from './oversight.module';
export * from './projections/review.entities';
export * from './projections/reviews.projection';
export * from './application/review.queries';
export * from './application/incident-review-links';
