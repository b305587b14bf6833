import { storageConfigFromEnv } from '@app/event-store/settings';
import { issueLocalToken, loadTokenSigningKey, type Role } from '@app/identity/tokens';

export async function token(o: { role: string; sub: string; name?: string; ttl: string; aiSystem?: string }): Promise<void> {
  const ttl = Number(o.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('--ttl must be a positive number of seconds');
  const signing = loadTokenSigningKey(storageConfigFromEnv());
  if (o.role === 'ai-system' && !o.aiSystem) throw new Error('--role ai-system needs --ai-system <id>: the one AI system this client may post outputs for');
  const jwt = await issueLocalToken(signing, { sub: o.sub, role: o.role as Role, name: o.name, ttlSeconds: ttl, aiSystem: o.aiSystem });
  process.stdout.write(`${jwt}\n`);
}
