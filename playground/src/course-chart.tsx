/** One turn's standing: what the chart draws. */
export type CoursePoint = { turn: number; goalProgress: number; opinion: number; valence: number; emotion: string };

const SERIES = [
  { key: 'goalProgress', label: 'goal progress (0..1)', color: '#2a9d8f', norm: (p: CoursePoint) => p.goalProgress },
  { key: 'opinion', label: 'opinion of you (-100..100)', color: '#e76f51', norm: (p: CoursePoint) => (p.opinion + 100) / 200 },
  { key: 'valence', label: 'mood valence (-1..1)', color: '#264653', norm: (p: CoursePoint) => (p.valence + 1) / 2 },
] as const;

const W = 360;
const H = 140;
const PAD = 16;

/** The course of goal progress, opinion and mood over the turns: a small SVG line chart, no library. */
export function CourseChart({ points }: { points: CoursePoint[] }) {
  const x = (i: number) => PAD + (points.length <= 1 ? 0 : (i * (W - 2 * PAD)) / (points.length - 1));
  const y = (v: number) => H - PAD - v * (H - 2 * PAD);
  const last = points[points.length - 1];
  return (
    <figure style={{ margin: 0 }}>
      <svg
        data-testid="course-chart"
        data-points={points.length}
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={
          last
            ? `Course over ${points.length} points: goal progress ${last.goalProgress.toFixed(2)}, opinion ${Math.round(last.opinion)}, valence ${last.valence.toFixed(2)}`
            : 'No turns yet'
        }
      >
        <rect x={PAD} y={PAD} width={W - 2 * PAD} height={H - 2 * PAD} fill="#fafafa" stroke="#ddd" />
        <line x1={PAD} x2={W - PAD} y1={y(0.5)} y2={y(0.5)} stroke="#eee" />
        {SERIES.map((s) => (
          <g key={s.key}>
            <polyline fill="none" stroke={s.color} strokeWidth={2} points={points.map((p, i) => `${x(i)},${y(s.norm(p))}`).join(' ')} />
            {points.map((p, i) => (
              <circle key={i} cx={x(i)} cy={y(s.norm(p))} r={3} fill={s.color} />
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        {SERIES.map((s) => (
          <span key={s.key} style={{ ['--c' as string]: s.color }}>
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
