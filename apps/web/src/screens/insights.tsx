import { get } from '../api';
import { type Bar, BarChart, ChartCard } from '../charts';
import { t } from '../i18n';
import type { AiSystem, Page } from '../types';
import { Loading, PageTitle, ProblemSummary, useLoad } from '../ui';
import { CoverageCard } from './oversight-coverage';

interface MonthRate {
  month: string;
  total: number;
  overrideRate: number;
}
interface SystemIncidents {
  aiSystemId: string;
  total: number;
  open: number;
  serious: number;
}
interface Artefact {
  periodFrom: string;
  sizeBytes: number;
  status: string;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;
function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
const forbidden = (e: unknown) => !!e && typeof e === 'object' && 'problem' in e && (e as { problem: { status: number } }).problem.status === 403;

/** Figures people would rather look at than read; each also as a table. */
export function Insights({ canSetLimit = false }: { canSetLimit?: boolean }) {
  const systems = useLoad(() => get<Page<AiSystem>>('/ai-systems?limit=200'), []);
  const rates = useLoad(async () => {
    const list = (await get<Page<AiSystem>>('/ai-systems?limit=200')).items;
    return Promise.all(
      list.map(async (s) => ({ system: s, months: (await get<{ months: MonthRate[] }>(`/ai-systems/${s.aiSystemId}/override-rates`)).months })),
    );
  }, []);
  const incidents = useLoad(() => get<{ items: SystemIncidents[] }>('/incidents/systems'), []);
  const retention = useLoad(async () => {
    const perMonth = new Map<string, number>();
    let cursor: string | null = null;
    // Bounded: 20 pages of 200 artefacts is plenty for a monthly picture.
    for (let page = 0; page < 20; page++) {
      const answer: Page<Artefact> = await get<Page<Artefact>>(`/log-artefacts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const a of answer.items)
        if (a.status !== 'purged') perMonth.set(a.periodFrom.slice(0, 7), (perMonth.get(a.periodFrom.slice(0, 7)) ?? 0) + Number(a.sizeBytes));
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return [...perMonth.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, []);
  const nameOf = (id: string) => systems.data?.items.find((s) => s.aiSystemId === id)?.name ?? id.slice(0, 8);

  return (
    <>
      <PageTitle>{t('insights.title')}</PageTitle>
      <CoverageCard canSetLimit={canSetLimit} />
      <ChartCard>
        <h2>{t('insights.overrides')}</h2>
        <p class="muted">{t('insights.overridesNote')}</p>
        {forbidden(rates.error) ? <p>{t('insights.notAllowed')}</p> : <ProblemSummary error={rates.error} />}
        {!rates.data && !rates.error ? (
          <Loading />
        ) : (
          rates.data?.map(({ system, months }) => (
            <BarChart
              key={system.aiSystemId}
              id={`overrides-${system.aiSystemId}`}
              title={`${system.name} (${system.supplierName})`}
              max={1}
              columns={[t('insights.month'), t('insights.rate')]}
              bars={months.map((m): Bar => ({ label: m.month, value: m.overrideRate, text: `${pct(m.overrideRate)} (${m.total})` }))}
            />
          ))
        )}
      </ChartCard>
      <ChartCard>
        <h2>{t('insights.incidents')}</h2>
        {forbidden(incidents.error) ? <p>{t('insights.notAllowed')}</p> : <ProblemSummary error={incidents.error} />}
        {incidents.data && (
          <BarChart
            id="incidents-per-system"
            title={t('insights.incidents')}
            hideTitle
            columns={[t('incidents.system'), `${t('insights.total')} (${t('insights.openCount')}, ${t('insights.seriousCount')})`]}
            bars={incidents.data.items.map((s) => ({ label: nameOf(s.aiSystemId), value: s.total, text: `${s.total} (${s.open}, ${s.serious})` }))}
          />
        )}
      </ChartCard>
      <ChartCard>
        <h2>{t('insights.retention')}</h2>
        {forbidden(retention.error) ? <p>{t('insights.notAllowed')}</p> : <ProblemSummary error={retention.error} />}
        {retention.data && (
          <BarChart
            id="retention-volume"
            title={t('insights.retention')}
            hideTitle
            columns={[t('insights.month'), t('insights.volume')]}
            bars={retention.data.map(([month, size]) => ({ label: month, value: size, text: bytes(size) }))}
          />
        )}
      </ChartCard>
    </>
  );
}
