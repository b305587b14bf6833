import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { createPublicKey } from 'node:crypto';
import { Public, Roles } from '@app/identity';
import { LimitQueryDto, ProblemException } from '@app/platform';
import { LedgerService } from '../ledger/ledger.service';

export class InclusionQueryDto {
  @ApiProperty({ description: 'Global position of the event' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  position!: number;

  @ApiPropertyOptional({ description: 'Tree size to prove against; default the latest signed tree head' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  treeSize?: number;
}

export class ConsistencyQueryDto {
  @ApiProperty()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  from!: number;

  @ApiProperty()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  to!: number;
}

export class CheckpointsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'Only tree heads smaller than this size (paging back in time)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
}

const hex = (b: Buffer) => b.toString('hex');

/** The tamper-evident ledger: signed tree heads and RFC 9162 proofs anyone can check. */
@ApiTags('Ledger')
@ApiBearerAuth()
@Controller('ledger')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('checkpoints')
  @ApiOperation({ summary: 'Signed tree heads, newest first' })
  async checkpoints(@Query() q: CheckpointsQueryDto) {
    return { checkpoints: await this.ledger.checkpoints(q.limit ?? 50, q.before) };
  }

  @Post('checkpoints')
  @HttpCode(201)
  @Roles('auditor', 'legal', 'admin')
  @ApiOperation({ summary: 'Seal everything committed so far and sign a tree head now' })
  async checkpointNow() {
    return this.ledger.checkpoint();
  }

  @Get('proofs/inclusion')
  @ApiOperation({ summary: 'RFC 9162 inclusion proof of one event in a tree of the given size' })
  async inclusion(@Query() q: InclusionQueryDto) {
    const treeSize = q.treeSize ?? (await this.ledger.latestCheckpoint())?.treeSize;
    if (!treeSize) throw new ProblemException(409, 'ledger-not-sealed', 'Conflict', 'No tree head has been signed yet');
    const index = await this.ledger.leafIndexOf(q.position);
    if (index === undefined) {
      throw new ProblemException(404, 'event-not-sealed', 'Not found', `Position ${q.position} is not sealed yet`, [
        { field: 'position', message: 'not sealed yet (or no such event)' },
      ]);
    }
    if (index >= treeSize) {
      throw new ProblemException(422, 'outside-tree', 'Unprocessable request', `Position ${q.position} is not in a tree of size ${treeSize}`, [
        { field: 'treeSize', message: 'smaller than the leaf index + 1' },
      ]);
    }
    const tree = await this.ledger.tree(treeSize);
    if (tree.size < treeSize) throw this.notSealed('treeSize', treeSize);
    return {
      position: q.position,
      leafIndex: index,
      treeSize,
      leafHash: hex(tree.hash(index, 1)),
      rootHash: hex(tree.root()),
      proof: tree.inclusionProof(index).map(hex),
      checkpoint: (await this.ledger.checkpointAt(treeSize)) ?? null,
    };
  }

  @Get('proofs/consistency')
  @ApiOperation({ summary: 'RFC 9162 consistency proof between two tree sizes' })
  async consistency(@Query() q: ConsistencyQueryDto) {
    if (q.from > q.to) {
      throw new ProblemException(400, 'validation-failed', 'The request is not valid', 'from must not exceed to', [
        { field: 'from', message: 'must not exceed to' },
      ]);
    }
    const tree = await this.ledger.tree(q.to);
    if (tree.size < q.to) throw this.notSealed('to', q.to);
    return {
      from: q.from,
      to: q.to,
      fromRoot: hex(tree.root(q.from)),
      toRoot: hex(tree.root(q.to)),
      proof: tree.consistencyProof(q.from, q.to).map(hex),
    };
  }

  @Get('verification')
  @Roles('auditor')
  @ApiOperation({ summary: 'Recompute every leaf and signed root from the stored events' })
  async verification() {
    return this.ledger.verify();
  }

  private notSealed(field: string, size: number) {
    return new ProblemException(422, 'outside-tree', 'Unprocessable request', `The ledger has fewer than ${size} sealed events`, [
      { field, message: 'larger than the sealed tree' },
    ]);
  }
}

/** Public keys of every ledger signing key ever active, so old tree heads stay checkable. */
@ApiTags('Ledger')
@Controller('.well-known')
export class LedgerKeysController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('oversight-registry-keys')
  @Public()
  @ApiOperation({ summary: 'JWKS of the ledger signing keys (Ed25519)' })
  async keys() {
    const keys = await this.ledger.keysList();
    return {
      keys: keys.map((k) => ({
        ...createPublicKey(k.publicKeyPem).export({ format: 'jwk' }),
        kid: k.keyId,
        use: 'sig',
        alg: 'EdDSA',
        activatedAt: k.activatedAt,
        retiredAt: k.retiredAt,
        pem: k.publicKeyPem,
      })),
    };
  }
}
