import { render } from 'preact';
import { App } from './app';
import type { WebConfig } from './auth';
import './styles.css';

async function start() {
  const config = (await fetch('/web-config.json').then(
    (r) => (r.ok ? r.json() : null),
    () => null,
  )) as WebConfig | null;
  render(<App config={config ?? { localTokens: true, oidc: null, smart: null }} />, document.getElementById('app')!);
}
void start();
