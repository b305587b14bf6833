import { storageConfigFromEnv } from '@app/event-store/settings';
import { issueLocalToken, loadTokenSigningKey, type Role } from '@app/identity/tokens';

export async function token(o: { role: string; sub: string; name?: string; ttl: string }): Promise<void> {
  const ttl = Number(o.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('--ttl must be a positive number of seconds');
  const signing = loadTokenSigningKey(storageConfigFromEnv());
  const jwt = await issueLocalToken(signing, { sub: o.sub, role: o.role as Role, name: o.name, ttlSeconds: ttl });
  process.stdout.write(`${jwt}\n`);
}
