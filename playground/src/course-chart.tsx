/** One turn's standing: what the chart draws. */
export type CoursePoint = { turn: number; goalProgress: number; opinion: number; valence: number; emotion: string };

// Each series is drawn on its own range, scaled to the same height: bottom = the range's minimum.
const SERIES = [
  {
    key: 'goalProgress',
    label: 'goal progress (0 … 100%)',
    color: '#2a9d8f',
    norm: (p: CoursePoint) => p.goalProgress,
  },
  {
    key: 'opinion',
    label: 'opinion of you (-100 … 100)',
    color: '#e76f51',
    norm: (p: CoursePoint) => (p.opinion + 100) / 200,
  },
  { key: 'valence', label: 'mood valence (-1 … 1)', color: '#264653', norm: (p: CoursePoint) => (p.valence + 1) / 2 },
] as const;
const Y_TICKS = [
  { at: 0, label: 'min' },
  { at: 0.5, label: 'mid' },
  { at: 1, label: 'max' },
] as const;

const W = 380;
const H = 170;
const LEFT = 44;
const RIGHT = 10;
const TOP = 10;
const BOTTOM = 36;

/** The course of goal progress, opinion and mood over the turns: a small SVG line chart with axes, no library. */
export function CourseChart({ points }: { points: CoursePoint[] }) {
  const x = (i: number) => LEFT + (points.length <= 1 ? 0 : (i * (W - LEFT - RIGHT)) / (points.length - 1));
  const y = (v: number) => H - BOTTOM - v * (H - TOP - BOTTOM);
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
        <rect x={LEFT} y={TOP} width={W - LEFT - RIGHT} height={H - TOP - BOTTOM} fill="#fafafa" stroke="#ccc" />
        <g data-testid="y-axis" fontSize="10" fill="#555" textAnchor="end">
          {Y_TICKS.map((t) => (
            <g key={t.label}>
              <line x1={LEFT} x2={W - RIGHT} y1={y(t.at)} y2={y(t.at)} stroke="#eee" />
              <text x={LEFT - 4} y={y(t.at) + 3}>
                {t.label}
              </text>
            </g>
          ))}
          <text
            x={10}
            y={(TOP + H - BOTTOM) / 2}
            transform={`rotate(-90 10 ${(TOP + H - BOTTOM) / 2})`}
            textAnchor="middle"
          >
            value in its range
          </text>
        </g>
        <g data-testid="x-axis" fontSize="10" fill="#555" textAnchor="middle">
          {points.map((p, i) => (
            <text key={i} x={x(i)} y={H - BOTTOM + 12} data-testid="x-tick">
              {p.turn}
            </text>
          ))}
          <text x={(LEFT + W - RIGHT) / 2} y={H - 6}>
            turn
          </text>
        </g>
        {SERIES.map((s) => (
          <g key={s.key}>
            <polyline
              fill="none"
              stroke={s.color}
              strokeWidth={2}
              points={points.map((p, i) => `${x(i)},${y(s.norm(p))}`).join(' ')}
            />
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
