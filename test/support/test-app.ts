import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '@app/api';
import { EVENT_STORE, type EventStore, ProjectionRegistry } from '@app/event-store';
import { issueLocalToken, KEY_MATERIAL, type KeyMaterial, type Role } from '@app/identity';
import { newTestStorage, type TestStorage } from './test-storage';

export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  storage: TestStorage;
  store: EventStore;
  /** An `ai-system` token is bound to `aiSystem` (default: a fixed id no system has). */
  token(role: Role, sub?: string, aiSystem?: string): Promise<string>;
  /** Lets every projection process the whole log, so list/timeline reads are current. */
  catchUp(): Promise<void>;
  eventCount(): Promise<number>;
  close(): Promise<void>;
}

/** The real application on a fresh real store (SQLite file or PostgreSQL schema), over real HTTP. */
export async function startTestApp(): Promise<TestApp> {
  const storage = newTestStorage();
  process.env.DATA_DIR = storage.config.dataDir;
  const app = await createApp(storage.config);
  await app.init();
  const keys = app.get<KeyMaterial>(KEY_MATERIAL);
  const store = app.get<EventStore>(EVENT_STORE);
  const registry = app.get(ProjectionRegistry);
  return {
    app,
    http: request(app.getHttpServer() as Server),
    storage,
    store,
    token: (role, sub = `${role}-1`, aiSystem?: string) =>
      issueLocalToken(keys.tokenSigning, { sub, role, ...(role === 'ai-system' ? { aiSystem: aiSystem ?? NO_AI_SYSTEM } : {}) }),
    catchUp: () => registry.runner.catchUp(),
    eventCount: () => store.headPosition(),
    close: async () => {
      await app.close();
      await storage.cleanup();
    },
  };
}

/** An AI system id no test registers: what an `ai-system` token is bound to unless told otherwise. */
export const NO_AI_SYSTEM = '00000000-0000-4000-8000-000000000000';

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

export function aiSystemBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'ChestXR Triage',
    supplier: { name: 'Acme Imaging B.V.', incidentContactEmail: 'vigilance@acme.example' },
    version: '2.3.1',
    intendedPurpose: 'Flags suspected pneumothorax on chest X-rays for radiologist review',
    aiActRiskClass: 'high',
    mdrClass: 'IIa',
    inHouseDevice: false,
    ifuVersion: 'IFU-2.3',
    oversightPersons: ['dr. A. de Vries'],
    ...overrides,
  };
}

/** supertest parser that keeps a response body as raw bytes (zips, reports exactly as sent). */
export function rawBody(res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
