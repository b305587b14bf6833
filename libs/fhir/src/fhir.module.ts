import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { FhirController } from './fhir.controller';

/** The read-only FHIR R4 facade under /fhir (docs/fhir.md); it owns no data, only the mapping. */
@Module({
  imports: [CqrsModule],
  controllers: [FhirController],
})
export class FhirModule {}
