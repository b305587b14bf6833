import type { ComponentChildren } from 'preact';
import { t } from './i18n';

export interface Bar {
  label: string;
  value: number;
  /** What the bar says in words, e.g. "42 %". */
  text: string;
}

/**
 * Horizontal bars in plain SVG (no chart library: a few hundred bytes instead of a few hundred kB).
 * The picture is labelled for screen readers, and the same numbers are one click away as a table.
 */
export function BarChart(props: { id: string; title: string; bars: Bar[]; max?: number; columns: [string, string]; hideTitle?: boolean }) {
  const { id, title, bars, max, columns, hideTitle } = props;
  const top = max ?? Math.max(1, ...bars.map((b) => b.value));
  const row = 28;
  const labelWidth = 170;
  const width = 560;
  const height = bars.length * row + 8;
  return (
    <figure class="chart" id={id}>
      <figcaption id={`${id}-title`} class={hideTitle ? 'visually-hidden' : undefined}>
        {title}
      </figcaption>
      {bars.length === 0 ? (
        <p class="muted">{t('none')}</p>
      ) : (
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-title`} width={width} height={height}>
          {bars.map((b, i) => {
            const w = Math.max(2, ((width - labelWidth - 70) * b.value) / top);
            const y = i * row + 4;
            return (
              <g key={b.label}>
                <text x={labelWidth - 8} y={y + 15} text-anchor="end" class="chart-label">
                  {b.label}
                </text>
                <rect x={labelWidth} y={y} width={w} height={row - 8} rx={3} class="chart-bar" />
                <text x={labelWidth + w + 6} y={y + 15} class="chart-value">
                  {b.text}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      {bars.length > 0 && (
        <details>
          <summary>{t('insights.table')}</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">{columns[0]}</th>
                <th scope="col">{columns[1]}</th>
              </tr>
            </thead>
            <tbody>
              {bars.map((b) => (
                <tr key={b.label}>
                  <td>{b.label}</td>
                  <td>{b.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}

export function ChartCard({ children }: { children: ComponentChildren }) {
  return <div class="card">{children}</div>;
}
