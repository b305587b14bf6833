import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessLogged, pseudonymsOfItems, Roles } from '@app/identity';
import { ParseIdPipe } from '@app/platform';
import { ListReviewsQuery, OverrideRatesQuery } from '../application/review.queries';
import { SystemReviewsQueryDto } from './review.dto';
import { reviewListItem } from './reviews.controller';

/** Oversight as seen per AI system: its reviews and how often people overrode it. */
@ApiTags('Reviews (human oversight)')
@ApiBearerAuth()
@Controller('ai-systems')
export class AiSystemReviewsController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/reviews')
  @Roles('quality-manager', 'legal', 'auditor')
  @AccessLogged('list-reviews', pseudonymsOfItems)
  @ApiOperation({ summary: 'Reviews of one AI system, newest first; competence=not-authorised: those flagged by the competence policy' })
  async reviews(@Param('id', ParseIdPipe) id: string, @Query() q: SystemReviewsQueryDto) {
    const page = await this.queries.execute(new ListReviewsQuery({ aiSystemId: id, competence: q.competence, limit: q.limit ?? 50, cursor: q.cursor }));
    return { items: page.items.map(reviewListItem), nextCursor: page.nextCursor };
  }

  @Get(':id/override-rates')
  @Roles('quality-manager', 'legal', 'auditor', 'admin')
  @ApiOperation({ summary: 'Per month: decisions and the override rate ((modified + rejected) / total)' })
  async overrideRates(@Param('id', ParseIdPipe) id: string) {
    return { aiSystemId: id, months: await this.queries.execute(new OverrideRatesQuery(id)) };
  }
}
