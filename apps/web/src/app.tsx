import { useEffect, useState } from 'preact/hooks';
import { setBearer } from './api';
import { loadSession, type Role, saveSession, type Session, type WebConfig } from './auth';
import { lang, setLang, t, type TextKey } from './i18n';
import { Audit } from './screens/audit';
import { ComplianceDashboardScreen, ComplianceFileScreen } from './screens/compliance';
import { FlaggedReviewDetail } from './screens/flagged-reviews';
import { DisclosureDetail, Disclosures } from './screens/disclosure';
import { IncidentBoard, IncidentDetail } from './screens/incidents';
import { Insights } from './screens/insights';
import { Login, OidcCallback } from './screens/login';
import { MonitoringScreen } from './screens/monitoring';
import { ReportIncident } from './screens/report';
import { RequestDetail, SubjectRequests } from './screens/requests';
import { Reviews } from './screens/reviews';
import { SmartCallback, SmartLaunch } from './screens/smart';
import { SupplierNoticeDetail, SupplierNotices } from './screens/supplier-notices';
import { Worklist } from './screens/worklist';
import { clearPatientContext, formatBirthDate, launchPatient } from './smart';
import { navigate, patientContext, route, useSignal } from './state';
import { Link, PageTitle, tt } from './ui';

type Screen =
  'worklist' | 'reviews' | 'incidents' | 'disclosures' | 'audit' | 'insights' | 'monitoring' | 'supplier-notices' | 'requests' | 'report' | 'compliance';
/** Which screens each role sees; the API enforces the same rules (docs/roles.md). Everyone may report an incident. */
const SCREENS: Record<Role, Screen[]> = {
  clinician: ['worklist', 'reviews', 'report'],
  'quality-manager': ['incidents', 'supplier-notices', 'compliance', 'insights', 'monitoring', 'requests', 'report'],
  legal: ['disclosures', 'incidents', 'supplier-notices', 'compliance', 'insights', 'requests', 'report'],
  auditor: ['audit', 'incidents', 'disclosures', 'supplier-notices', 'compliance', 'insights', 'monitoring', 'requests', 'report'],
  admin: ['insights', 'compliance', 'requests', 'report'],
};

export function App({ config }: { config: WebConfig }) {
  const path = useSignal(route).split('?')[0];
  useSignal(lang);
  const [session, setSession] = useState<Session | null>(loadSession);
  const inContext = useSignal(patientContext);
  const patient = useSignal(launchPatient);
  const signIn = (s: Session | null) => {
    if (!s) clearPatientContext();
    saveSession(s);
    setSession(s);
    setBearer(s?.token ?? null, () => signIn(null));
    if (s) navigate(`/${SCREENS[s.role][0]}`, true);
  };
  setBearer(session?.token ?? null, () => signIn(null));
  useEffect(() => {
    document.documentElement.lang = lang.get();
  }, []);

  const screens = session ? SCREENS[session.role] : [];
  const body = () => {
    if (path === '/auth/callback') return <OidcCallback config={config} onSession={signIn} />;
    if (path === '/smart/launch') return <SmartLaunch config={config} />;
    if (path === '/smart/callback') {
      const launched = (s: Session) => {
        signIn(s);
        navigate('/worklist', true);
      };
      return <SmartCallback config={config} onLaunched={launched} />;
    }
    if (!session) return <Login config={config} onSession={signIn} />;
    const [, screen, id, part, partId] = path.split('/');
    if (!screen) {
      navigate(`/${screens[0]}`, true);
      return null;
    }
    if (!screens.includes(screen as Screen)) return <NotFound />;
    const writes = (role: Role) => session.role === role;
    switch (screen as Screen) {
      case 'worklist':
        return <Worklist />;
      case 'reviews':
        return <Reviews />;
      case 'incidents':
        return id ? <IncidentDetail id={id} canWrite={writes('quality-manager')} /> : <IncidentBoard canAct={writes('quality-manager')} />;
      case 'disclosures':
        return id ? <DisclosureDetail id={id} canWrite={writes('legal')} /> : <Disclosures canWrite={writes('legal')} />;
      case 'audit':
        return <Audit />;
      case 'insights':
        // The API lets these roles change an AI system (ai-systems.controller MANAGERS).
        return <Insights canSetLimit={writes('quality-manager') || writes('admin')} />;
      case 'monitoring':
        return <MonitoringScreen canAct={writes('quality-manager')} />;
      case 'supplier-notices':
        return id ? <SupplierNoticeDetail id={id} canWrite={writes('quality-manager')} /> : <SupplierNotices canWrite={writes('quality-manager')} />;
      case 'requests':
        // The API lets these roles record requests (information.controller WRITERS); auditors read.
        return id ? <RequestDetail id={id} canWrite={session.role !== 'auditor'} /> : <SubjectRequests canWrite={session.role !== 'auditor'} />;
      case 'report':
        return <ReportIncident />;
      case 'compliance':
        // The file's readers; who writes what is as the API enforces it (compliance.controller, information.controller; docs/roles.md).
        // A review reached from the file's flagged list: GET /reviews/{id} answers these roles (not the administrator).
        if (id && part === 'reviews' && partId && session.role !== 'admin') return <FlaggedReviewDetail systemId={id} reviewId={partId} />;
        return id ? (
          <ComplianceFileScreen
            id={id}
            rights={{
              manage: writes('quality-manager') || writes('admin'),
              reviews: session.role !== 'admin',
              inform: session.role !== 'auditor',
              documents: session.role !== 'auditor',
            }}
          />
        ) : (
          <ComplianceDashboardScreen />
        );
    }
  };

  return (
    <>
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="top">
        <span class="brand">{t('appName')}</span>
        {session && (
          <nav aria-label={t('mainNav')}>
            <ul>
              {screens.map((s) => (
                <li key={s}>
                  <Link href={`/${s}`} aria-current={path.startsWith(`/${s}`) ? 'page' : undefined}>
                    {t(`nav.${s}` as TextKey)}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div class="who">
          {session && <span>{t('signedInAs', { who: session.name ?? session.subject, role: tt(`role.${session.role}`) })}</span>}
          <button
            type="button"
            class="link"
            lang={lang.get() === 'en' ? 'nl' : 'en'}
            aria-label={t('languageLabel')}
            onClick={() => setLang(lang.get() === 'en' ? 'nl' : 'en')}
          >
            {t('language')}
          </button>
          {session && (
            <button type="button" class="link" onClick={() => signIn(null)}>
              {t('signOut')}
            </button>
          )}
        </div>
      </header>
      {session && inContext && patient && (
        <div class="patient-context" role="region" aria-label={t('smart.patientLabel')}>
          <span>
            {t('smart.patient', { name: patient.name, born: formatBirthDate(patient.birthDate) })}. {t('smart.filtered')}
          </span>
          <button type="button" class="link" onClick={clearPatientContext}>
            {t('smart.clear')}
          </button>
        </div>
      )}
      <main id="main" key={path}>
        {body()}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <PageTitle>404</PageTitle>
      <p>{t('notFound')}</p>
    </>
  );
}
