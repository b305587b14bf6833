import { useEffect, useState } from 'preact/hooks';
import type { Session, WebConfig } from '../auth';
import { t } from '../i18n';
import { allowedIssuer, finishSmartLaunch, startSmartLaunch } from '../smart';
import { PageTitle } from '../ui';

/**
 * /smart/launch?iss=…&launch=… (EHR launch) or /smart/launch?iss=… (standalone): an `iss` not on
 * the allow-list is refused here, before any redirect, in both.
 */
export function SmartLaunch({ config }: { config: WebConfig }) {
  const query = new URLSearchParams(location.search);
  const iss = query.get('iss');
  const allowed = allowedIssuer(config.smart, iss);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (allowed && config.smart) startSmartLaunch(config.smart, !query.get('launch')).catch((e: Error) => setError(e.message));
  }, []);
  return (
    <section aria-labelledby="page-title" class="narrow">
      <PageTitle>{t('smart.title')}</PageTitle>
      {!allowed ? (
        <p class="error" role="alert">
          {config.smart ? t('smart.refused', { iss: iss ?? '—' }) : t('smart.off')}
        </p>
      ) : error ? (
        <p class="error" role="alert">
          {t('login.failed', { why: error })}
        </p>
      ) : (
        <p role="status">{t('smart.connecting')}</p>
      )}
    </section>
  );
}

/** /smart/callback: the EHR's authorization server sends the clinician back here with a code. */
export function SmartCallback({ config, onLaunched }: { config: WebConfig; onLaunched: (s: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    finishSmartLaunch(config).then(onLaunched, (e: Error) => setError(e.message === 'no-role' ? t('login.noRole') : e.message));
  }, []);
  return (
    <section aria-labelledby="page-title" class="narrow">
      <PageTitle>{t('smart.title')}</PageTitle>
      {error ? (
        <p class="error" role="alert">
          {t('login.failed', { why: error })}
        </p>
      ) : (
        <p role="status">{t('login.callback')}</p>
      )}
    </section>
  );
}
