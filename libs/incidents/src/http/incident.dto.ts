import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { NestedObject, OptionalText, PageQueryDto, RequiredText } from '@app/platform';
import { PERSONAL_DATA_BREACH, RECIPIENTS, REPORT_KINDS } from '../domain';
import { PSEUDONYM_PATTERN } from '@app/identity';

const ISO = { strict: true, strictSeparator: true } as const;
const TEXT = 8000;

export class ReportIncidentDto {
  @ApiProperty({ format: 'uuid', description: 'The AI system involved' })
  @IsUUID('all')
  aiSystemId!: string;

  @ApiPropertyOptional({ description: 'A near miss: it could have led to harm but did not. Default false' })
  @IsOptional()
  @IsBoolean()
  nearMiss?: boolean;

  @RequiredText(TEXT, { description: "What happened. Encrypted under the (first) patient's key.", maxLength: TEXT })
  narrative!: string;

  @ApiPropertyOptional({ type: [String], description: 'Reviews of AI output that show the incident (clinicians: only their own)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  linkedReviewIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Raw patient ids; pseudonymised on arrival, never stored' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(128, { each: true })
  patientIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Pseudonyms issued by this registry' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(PSEUDONYM_PATTERN, { each: true, message: 'each patient pseudonym must be one issued by this registry (p-…)' })
  patientPseudonyms?: string[];

  @ApiPropertyOptional({ format: 'date-time', description: 'When the incident happened, if known' })
  @IsOptional()
  @IsISO8601(ISO)
  occurredAt?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the hospital became aware; default: now (the clocks start)' })
  @IsOptional()
  @IsISO8601(ISO)
  awareAt?: string;

  @OptionalText(TEXT, { description: 'Why awareness is at awareAt', maxLength: TEXT })
  awarenessReason?: string;
}

export class AwarenessDto {
  @ApiProperty({ format: 'date-time', description: 'The moment the hospital became aware' })
  @IsISO8601(ISO)
  awareAt!: string;

  @RequiredText(TEXT, { description: 'Why this moment', maxLength: TEXT })
  reason!: string;
}

export class CriteriaDto {
  @ApiProperty({ description: 'AI Act Art. 3(49)(a): death of a person' }) @IsBoolean() death!: boolean;
  @ApiProperty({ description: "Art. 3(49)(a): serious harm to a person's health" }) @IsBoolean() seriousHarmToHealth!: boolean;
  @ApiProperty({ description: 'Art. 3(49)(b): serious and irreversible disruption of critical infrastructure' })
  @IsBoolean()
  criticalInfrastructureDisruption!: boolean;
  @ApiProperty({ description: 'Art. 3(49)(c): infringement of obligations protecting fundamental rights' })
  @IsBoolean()
  fundamentalRightsInfringement!: boolean;
  @ApiProperty({ description: "Art. 3(61): widespread infringement of Union law protecting individuals' interests (Art. 73(3): 2-day deadline)" })
  @IsBoolean()
  widespreadInfringement!: boolean;
  @ApiProperty({ description: 'Art. 3(49)(d): serious harm to property or the environment' }) @IsBoolean() propertyOrEnvironmentHarm!: boolean;
  @ApiProperty({ description: 'MDR Art. 2(66): serious public health threat (2-day deadline)' }) @IsBoolean() seriousPublicHealthThreat!: boolean;
  @ApiPropertyOptional({
    description:
      'MDR Art. 2(65): might have led, or might lead, to death, serious deterioration of health or a serious public health threat, although none happened (a near miss). Default false',
  })
  @IsOptional()
  @IsBoolean()
  couldHaveLedToSeriousHarm?: boolean;
}

export class ClassificationDto {
  @ApiProperty({ description: 'A serious incident in the sense of AI Act Art. 3(49)' })
  @IsBoolean()
  serious!: boolean;

  @ApiProperty({ type: CriteriaDto, description: 'Every criterion, true or false' })
  @NestedObject(() => CriteriaDto)
  criteria!: CriteriaDto;

  @ApiPropertyOptional({ description: 'The system is a medical device (MDR); default: its MDR class is not "none"' })
  @IsOptional()
  @IsBoolean()
  medicalDevice?: boolean;

  @ApiProperty({
    description:
      "A possible calamity under the Wkkgz (art. 1): starts the IGJ's 6-week window to establish whether it is one (POST …/calamity-establishment or …/calamity-ruling-out)",
  })
  @IsBoolean()
  wkkgzCalamity!: boolean;

  @ApiPropertyOptional({
    enum: PERSONAL_DATA_BREACH,
    description:
      "GDPR: a personal data breach and the controller's risk assessment. risk: notify the Autoriteit Persoonsgegevens within 72 h of awareness (Art. 33(1)); high-risk: also the data subjects (Art. 34(1)); unlikely-risk: no notification, rationale required. Default none",
  })
  @IsOptional()
  @IsIn(PERSONAL_DATA_BREACH)
  personalDataBreach?: (typeof PERSONAL_DATA_BREACH)[number];

  @ApiPropertyOptional({
    description: 'Wkkgz art. 10(3): the incident has or may have noticeable consequences for the patient, who is told "onverwijld". Default false',
  })
  @IsOptional()
  @IsBoolean()
  patientConsequences?: boolean;

  @ApiPropertyOptional({
    description:
      'NIS2 Art. 23(3): a significant cybersecurity incident; the CSIRT gets an early warning (24 h), a notification (72 h) and a final report (one month after the notification). Default false',
  })
  @IsOptional()
  @IsBoolean()
  significantCyberIncident?: boolean;

  @OptionalText(TEXT, { description: 'Why; required when re-classifying', maxLength: TEXT })
  rationale?: string;
}

export class CalamityEstablishmentDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'When the calamity was established (vaststelling); the IGJ report clock runs from it. Default now' })
  @IsOptional()
  @IsISO8601(ISO)
  establishedAt?: string;

  @RequiredText(TEXT, { description: "Why it is a calamity (Wkkgz art. 1). Encrypted under the incident's data subject", maxLength: TEXT })
  reasons!: string;
}

export class ProviderUnreachableDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Since when the provider counted as unreachable. Default now' })
  @IsOptional()
  @IsISO8601(ISO)
  unreachableAt?: string;

  @RequiredText(TEXT, { description: "What was tried (channels, times, answers). Encrypted under the incident's data subject", maxLength: TEXT })
  reasons!: string;
}

export class InvestigationReportTermDto {
  @ApiProperty({
    format: 'date-time',
    description: 'The term the IGJ set for the investigation report (its acknowledgement letter); set again for an extension',
  })
  @IsISO8601(ISO)
  dueAt!: string;

  @OptionalText(200, { description: "The IGJ's case number or letter", maxLength: 200 })
  igjReference?: string;
}

export class CalamityRulingOutDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'When it was decided that the incident is not a calamity. Default now' })
  @IsOptional()
  @IsISO8601(ISO)
  decidedAt?: string;

  @RequiredText(TEXT, { description: "Why it is not a calamity. Encrypted under the incident's data subject", maxLength: TEXT })
  reasons!: string;
}

export class NotificationDto {
  @ApiProperty({ enum: RECIPIENTS })
  @IsIn(RECIPIENTS)
  recipient!: (typeof RECIPIENTS)[number];

  @ApiPropertyOptional({
    enum: ['webhook', 'email', 'recorded'],
    description:
      "webhook / email: the registry sends the report to the supplier (email needs the supplier's address in SUPPLIER_WEBHOOKS and SMTP_URL); recorded: made elsewhere (portal, phone). Default for provider/manufacturer: webhook when the supplier has a URL, else email; recorded otherwise",
  })
  @IsOptional()
  @IsIn(['webhook', 'email', 'recorded'])
  channel?: 'webhook' | 'email' | 'recorded';

  @ApiPropertyOptional({ enum: ['ai-act-art73', 'mdr-vigilance'], description: 'Default: mdr-vigilance to the manufacturer, else ai-act-art73' })
  @IsOptional()
  @IsIn(['ai-act-art73', 'mdr-vigilance'])
  format?: 'ai-act-art73' | 'mdr-vigilance';

  @ApiPropertyOptional({
    enum: REPORT_KINDS,
    description:
      'Which report this is when the recipient is owed several: incident-notification / final-report to the CSIRT (NIS2 Art. 23(4)(b), (d)), investigation-report to the IGJ. Default: unspecified (meets the first-report duty only)',
  })
  @IsOptional()
  @IsIn(REPORT_KINDS)
  reportKind?: (typeof REPORT_KINDS)[number];

  @ApiPropertyOptional({ description: 'False for an initial, incomplete report (AI Act Art. 73(5)); default false' })
  @IsOptional()
  @IsBoolean()
  complete?: boolean;

  @OptionalText(200, { description: "The recipient's case number", maxLength: 200 })
  reference?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the report was made (recorded channel); default now' })
  @IsOptional()
  @IsISO8601(ISO)
  notifiedAt?: string;

  @OptionalText(TEXT, { description: 'Actions taken so far, for the report', maxLength: TEXT })
  actionsTaken?: string;
}

export class SystemSuspensionDto {
  @ApiProperty({
    description: "Why use is suspended. Stored in clear in the AI system's record too: no patient data.",
    example: "Serious incident: missed pneumothorax; suspended pending the supplier's analysis",
    maxLength: 2000,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class NoteDto {
  @RequiredText(TEXT, { maxLength: TEXT })
  note!: string;
}

export class CloseDto {
  @RequiredText(TEXT, { description: 'Conclusion of the investigation', maxLength: TEXT })
  conclusion!: string;
}

export class ReopenDto {
  @RequiredText(TEXT, { maxLength: TEXT })
  reason!: string;
}

export class AcknowledgementDto {
  @ApiProperty({ format: 'uuid', description: 'notificationId from the report' })
  @IsUUID('all')
  notificationId!: string;

  @ApiProperty({ description: 'acknowledge.token from the report (HMAC under the supplier secret)' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'token must be the 64 hex characters given in the report' })
  token!: string;

  @OptionalText(200, { description: "The supplier's own case number", maxLength: 200 })
  supplierReference?: string;
}

export class ListIncidentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only open incidents with a deadline passed and not met' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ enum: ['open', 'closed'] })
  @IsOptional()
  @IsIn(['open', 'closed'])
  status?: 'open' | 'closed';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  aiSystemId?: string;
}

export class ReportPreviewQueryDto {
  @ApiPropertyOptional({
    enum: ['provider', 'manufacturer', 'market-surveillance-authority'],
    description: 'Whom the report is for; decides the default format',
  })
  @IsOptional()
  @IsIn(['provider', 'manufacturer', 'market-surveillance-authority'])
  recipient?: 'provider' | 'manufacturer' | 'market-surveillance-authority';

  @ApiPropertyOptional({ enum: ['ai-act-art73', 'mdr-vigilance'], description: 'Default: mdr-vigilance for the manufacturer, else ai-act-art73' })
  @IsOptional()
  @IsIn(['ai-act-art73', 'mdr-vigilance'])
  format?: 'ai-act-art73' | 'mdr-vigilance';

  @ApiPropertyOptional({ description: 'Preview a complete (final) report; default false' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  complete?: boolean;

  @OptionalText(TEXT, { description: 'Actions taken, as they would go into the report', maxLength: TEXT })
  actionsTaken?: string;

  @ApiPropertyOptional({ enum: ['json', 'html'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'html'])
  as?: 'json' | 'html';
}

export class ReportQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'html'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'html'])
  as?: 'json' | 'html';
}
