import { useEffect, useState } from 'preact/hooks';
import { finishOidcLogin, type Session, sessionFromToken, startOidcLogin, type WebConfig } from '../auth';
import { t } from '../i18n';
import { PageTitle } from '../ui';
import { TextField } from '../forms';

export function Login({ config, onSession }: { config: WebConfig; onSession: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = (e: Event) => {
    e.preventDefault();
    try {
      onSession(sessionFromToken(token, config.oidc));
    } catch (err) {
      setError((err as Error).message === 'no-role' ? t('login.noRole') : t('login.invalid'));
    }
  };
  return (
    <section aria-labelledby="page-title" class="narrow">
      <PageTitle>{t('login.title')}</PageTitle>
      {config.oidc && (
        <>
          <p>
            <button
              type="button"
              class="primary"
              onClick={() => void startOidcLogin(config.oidc!).catch((e: Error) => setError(t('login.failed', { why: e.message })))}
            >
              {t('login.oidc')}
            </button>
          </p>
          {config.localTokens && <p class="or">{t('login.or')}</p>}
        </>
      )}
      {config.smart && (
        <>
          {/* Standalone SMART launch: the EHR's authorization server signs the user in and asks which patient. */}
          {config.smart.fhirIssuers.map((iss) => (
            <p key={iss}>
              <button type="button" class="primary" onClick={() => location.assign(`/smart/launch?iss=${encodeURIComponent(iss)}`)}>
                {config.smart!.fhirIssuers.length > 1 ? t('login.smartAt', { server: new URL(iss).host }) : t('login.smart')}
              </button>
            </p>
          ))}
          {config.localTokens && <p class="or">{t('login.or')}</p>}
        </>
      )}
      {config.localTokens && (
        <form onSubmit={submit} noValidate>
          <TextField id="token" label={t('login.token')} value={token} onValue={setToken} multiline rows={4} error={error} help={t('login.tokenHelp')} />
          <pre class="command">
            <code>npm run --silent registry -- token --role clinician --sub alice</code>
          </pre>
          <button type="submit" class="primary">
            {t('login.submit')}
          </button>
        </form>
      )}
      {!config.localTokens && error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function OidcCallback({ config, onSession }: { config: WebConfig; onSession: (s: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!config.oidc) return setError('OIDC is not configured');
    finishOidcLogin(config.oidc, location.search).then(onSession, (e: Error) => setError(e.message));
  }, []);
  return (
    <section aria-labelledby="page-title" class="narrow">
      <PageTitle>{t('login.title')}</PageTitle>
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
