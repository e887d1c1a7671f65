import { useEffect, useState } from "preact/hooks";
import { HEALTH_BANDS, readRelationshipHealth, type HealthBand, type HealthCounts, type RelationshipHealth } from "../../data/relationshipHealth";
import { useServices } from "../../lib/services";
import "./relationships.css";

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { top: 12, right: 12, bottom: 24, left: 36 };
const BAND_NAMES: Record<HealthBand, string> = { strong: "Strong", warm: "Warm", cooling: "Cooling", cold: "Cold" };
const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: "UTC" });

type Loaded = { state: "loading" } | { state: "ready"; health: RelationshipHealth } | { state: "error" };

function describe(counts: HealthCounts): string {
  const bands = HEALTH_BANDS.map((band) => `${counts[band]} ${band}`).join(", ");
  return `${bands}; mean strength ${Math.round(counts.meanStrength)}`;
}

const dayLabel = (date: string) => dayFormat.format(new Date(`${date}T00:00:00Z`));

/**
 * How many relationships are strong, warm, cooling and cold, day by day, for the team or one teammate: one
 * line per band in an SVG the page describes in words (its title and description) and as a table.
 */
export function RelationshipHealthChart({ workspaceId }: { workspaceId: string }) {
  const { db } = useServices();
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const [who, setWho] = useState("team");
  useEffect(() => {
    let current = true;
    readRelationshipHealth(db, workspaceId).then(
      (health) => current && setLoaded({ state: "ready", health }),
      () => current && setLoaded({ state: "error" }),
    );
    return () => {
      current = false;
    };
  }, [db, workspaceId]);

  if (loaded.state === "loading")
    return (
      <p class="muted" role="status">
        Loading…
      </p>
    );
  if (loaded.state === "error")
    return (
      <p class="form-error" role="alert">
        Relationship health is unavailable right now.
      </p>
    );
  const { days, teammates } = loaded.health;
  const first = days[0];
  const last = days.at(-1);
  if (first === undefined || last === undefined) return <p class="muted">The first daily snapshot is taken by tonight's refresh.</p>;
  const series = days.map((day) => ({ date: day.date, counts: who === "team" ? day : day.members[who] }));
  const known = series.filter((point): point is { date: string; counts: HealthCounts } => point.counts !== undefined);
  const whose = who === "team" ? "the team" : (teammates[who] ?? "a teammate");
  const peak = Math.max(1, ...known.flatMap(({ counts }) => HEALTH_BANDS.map((band) => counts[band])));
  const x = (index: number) => PAD.left + (days.length === 1 ? 0 : (index / (days.length - 1)) * (WIDTH - PAD.left - PAD.right));
  const y = (count: number) => PAD.top + (1 - count / peak) * (HEIGHT - PAD.top - PAD.bottom);
  const latest = known.at(-1);
  const summary = latest
    ? `Relationship health of ${whose} over ${days.length} days. On ${dayLabel(latest.date)}: ${describe(latest.counts)}.`
    : `No relationships of ${whose} were counted in these ${days.length} days.`;

  return (
    <div class="health" data-testid="health-chart" data-days={days.length}>
      <label class="health__who">
        <span>Whose relationships</span>
        <select value={who} onChange={(event) => setWho(event.currentTarget.value)} data-testid="health-who">
          <option value="team">The whole team</option>
          {Object.entries(teammates).map(([id, email]) => (
            <option key={id} value={id}>
              {email}
            </option>
          ))}
        </select>
      </label>
      <svg class="health__chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="health-title health-desc">
        <title id="health-title">Relationships by strength, per day</title>
        <desc id="health-desc" data-testid="health-summary">
          {summary}
        </desc>
        <line class="health__axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} />
        <text class="health__tick" x={PAD.left - 6} y={y(peak) + 4} text-anchor="end">
          {peak}
        </text>
        <text class="health__tick" x={PAD.left - 6} y={y(0) + 4} text-anchor="end">
          0
        </text>
        <text class="health__tick" x={x(0)} y={HEIGHT - 6}>
          {dayLabel(first.date)}
        </text>
        {days.length > 1 && (
          <text class="health__tick" x={x(days.length - 1)} y={HEIGHT - 6} text-anchor="end">
            {dayLabel(last.date)}
          </text>
        )}
        {HEALTH_BANDS.map((band) => {
          const points = series.flatMap(({ counts }, index) => (counts ? [`${x(index)},${y(counts[band])}`] : []));
          return (
            <g key={band} class={`health__series health__series--${band}`} data-testid="health-line" data-band={band} data-points={points.length}>
              <polyline points={points.join(" ")} />
              {points.map((point) => {
                const [cx, cy] = point.split(",");
                return <circle key={point} cx={cx} cy={cy} r={2.5} />;
              })}
            </g>
          );
        })}
      </svg>
      <ul class="health__legend" aria-hidden="true">
        {HEALTH_BANDS.map((band) => (
          <li key={band} class={`health__key health__series--${band}`}>
            <svg viewBox="0 0 24 8" width="24" height="8">
              <line x1="0" x2="24" y1="4" y2="4" />
            </svg>
            {BAND_NAMES[band]} {latest ? latest.counts[band] : 0}
          </li>
        ))}
        {latest && <li>Mean strength {Math.round(latest.counts.meanStrength)}</li>}
      </ul>
      <details class="health__table">
        <summary>Show as a table</summary>
        <table>
          <caption>Relationships of {whose} by strength, per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {HEALTH_BANDS.map((band) => (
                <th key={band} scope="col">
                  {BAND_NAMES[band]}
                </th>
              ))}
              <th scope="col">Mean strength</th>
            </tr>
          </thead>
          <tbody>
            {known.map(({ date, counts }) => (
              <tr key={date} data-testid="health-row">
                <th scope="row">{dayLabel(date)}</th>
                {HEALTH_BANDS.map((band) => (
                  <td key={band}>{counts[band]}</td>
                ))}
                <td>{Math.round(counts.meanStrength)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
