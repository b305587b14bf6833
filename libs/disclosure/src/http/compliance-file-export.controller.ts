import { Controller, Get, Inject, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { readFile } from 'node:fs/promises';
import { CLOCK, type Clock } from '@app/event-store';
import { actorOf, CurrentPrincipal, type Principal, Roles } from '@app/identity';
import { ParseIdPipe, ProblemException } from '@app/platform';
import { COMPLIANCE_FILE_FORMATS, complianceAsOf, type ComplianceFileFormat, ComplianceFileExports } from '../application/compliance-file-exports';

export class ComplianceFileExportQueryDto {
  @ApiPropertyOptional({ description: 'A date (the end of that day, Europe/Amsterdam) or an instant; default now', example: '2026-11-30' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  asOf?: string;

  @ApiPropertyOptional({ enum: COMPLIANCE_FILE_FORMATS, description: 'bundle (zip, verifiable; default), json (the file alone) or pdf (for people)' })
  @IsOptional()
  @IsIn(COMPLIANCE_FILE_FORMATS)
  format?: ComplianceFileFormat;
}

/** The compliance file's readers (libs/compliance READERS): quality management, legal counsel, auditors, the administrator. */
const READERS = ['admin', 'quality-manager', 'legal', 'auditor'] as const;

/**
 * Issue 23 item 7: the compliance file of one AI system as it stood on a date, provable against the
 * ledger like a bundle (ADR 0053). Here, beside the bundle exports, because it is one.
 */
@ApiTags('Compliance')
@ApiBearerAuth()
@Controller()
export class ComplianceFileExportController {
  constructor(
    private readonly exports: ComplianceFileExports,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('ai-systems/:id/compliance-file')
  @Roles(...READERS)
  @ApiOperation({
    summary: 'The compliance file as of a date: a verifiable bundle (data/compliance-file.json derived from the proven events), or its JSON or PDF alone',
  })
  async export(
    @Param('id', ParseIdPipe) aiSystemId: string,
    @Query() q: ComplianceFileExportQueryDto,
    @CurrentPrincipal() who: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const asOf = q.asOf === undefined ? this.clock.now().toISOString() : complianceAsOf(q.asOf, this.clock.now());
    if (asOf === null) {
      throw new ProblemException(400, 'invalid-as-of', 'Bad request', 'asOf must be a date (YYYY-MM-DD) or an ISO 8601 instant', [
        { field: 'asOf', message: 'must be a date (YYYY-MM-DD) or an ISO 8601 instant' },
      ]);
    }
    const format = q.format ?? 'bundle';
    return this.exports.export(aiSystemId, asOf, actorOf(who), async ({ path, result }) => {
      res.setHeader('X-Tree-Size', String(result.treeSize));
      res.setHeader('X-Root-Hash', result.rootHash);
      res.setHeader('X-Bundle-SHA256', result.bundleSha256);
      res.setHeader('X-As-Of', asOf);
      const base = `compliance-file-${aiSystemId}-${asOf.replace(/[^0-9A-Za-z]/g, '')}`;
      if (format === 'json') {
        return new StreamableFile(Buffer.from(result.complianceFile!.json, 'utf8'), {
          type: 'application/json',
          disposition: `attachment; filename="${base}.json"`,
        });
      }
      if (format === 'pdf') {
        return new StreamableFile(result.complianceFile!.pdf, { type: 'application/pdf', disposition: `attachment; filename="${base}.pdf"` });
      }
      return new StreamableFile(await readFile(path), { type: 'application/zip', disposition: `attachment; filename="${base}.zip"` });
    });
  }
}
