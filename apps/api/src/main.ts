import { createApp } from './create-app';

/** Direct entry (nest start); `registry serve` is the usual way and prints how to get a token. */
async function main() {
  const app = await createApp();
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
}

void main();
