import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { Roles } from '@app/identity';

export class EventsQueryDto {
  @ApiPropertyOptional({ description: 'Return events after this global position', default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  from?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** The global log in order, as stored: what auditors verify everything else against. */
@ApiTags('Audit')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @Roles('auditor')
  @ApiOperation({ summary: 'Events after a global position, in global order (free text stays encrypted)' })
  async list(@Query() q: EventsQueryDto) {
    const events = await this.store.readAll(q.from ?? 0, q.limit ?? 100);
    const last = events.length ? events[events.length - 1].globalPosition : (q.from ?? 0);
    return { events, next: events.length ? last : null, head: await this.store.headPosition() };
  }
}
