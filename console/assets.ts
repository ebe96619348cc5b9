import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** htmx from its npm package: the console loads nothing from a CDN. */
export const htmxScript = (): string => readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8');

/** uPlot (the charts) from its npm package, script and style: nothing from a CDN, nothing inline. */
export const uplotScript = (): string =>
  readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
export const uplotCss = (): string => readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');

/**
 * Draws every `[data-chart]` element (chart-data.ts's ChartSpec as JSON) with uPlot: series as steps
 * (or as points, or a line through readings),
 * deployments and scaling activities as dashed vertical lines. Runs at load and after each htmx swap
 * (the page refreshes itself), and resizes the charts with the window.
 */
export const CHARTS_SCRIPT = `(() => {
  const MARK_COLORS = { deployment: '#8250df', scaling: '#bc4c00' };
  const drawMarks = (marks) => (u) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.5;
    ctx.font = '11px system-ui, sans-serif';
    for (const mark of marks) {
      const x = u.valToPos(mark.at, 'x', true);
      if (x < u.bbox.left - 1 || x > u.bbox.left + u.bbox.width + 1) continue;
      ctx.strokeStyle = ctx.fillStyle = MARK_COLORS[mark.kind] || '#656d76';
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillText(mark.label, x + 3, u.bbox.top + 12);
    }
    ctx.restore();
  };
  const draw = () => {
    if (typeof uPlot === 'undefined') return;
    for (const el of document.querySelectorAll('[data-chart]')) {
      if (el.dataset.drawn) continue;
      const spec = JSON.parse(el.dataset.chart);
      const target = el.querySelector('.plot') || el;
      const stepped = uPlot.paths.stepped({ align: 1 });
      const linear = uPlot.paths.linear();
      const plot = new uPlot(
        {
          width: Math.max(240, target.clientWidth),
          height: 190,
          scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.15] } },
          series: [{}].concat(spec.series.map((s) => s.points
            ? { label: s.label, stroke: s.color, fill: s.color, width: 0, paths: () => null, points: { show: true, size: 8, fill: s.color, stroke: s.color } }
            : s.line
              ? { label: s.label, stroke: s.color, width: 2, paths: linear, points: { show: true, size: 4, fill: s.color, stroke: s.color } }
              : { label: s.label, stroke: s.color, width: 2, paths: stepped, points: { show: false } })),
          hooks: { draw: [drawMarks(spec.marks)] },
        },
        [spec.x].concat(spec.series.map((s) => s.values)),
        target,
      );
      el.plot = plot;
      el.dataset.drawn = String(spec.x.length);
    }
  };
  const resize = () => {
    for (const el of document.querySelectorAll('[data-chart][data-drawn]')) {
      const target = el.querySelector('.plot') || el;
      if (el.plot) el.plot.setSize({ width: Math.max(240, target.clientWidth), height: 190 });
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
  document.addEventListener('htmx:afterSettle', draw);
  window.addEventListener('resize', resize);
})();
`;

export const CONSOLE_CSS = `
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#f6f8fa; --card:#fff; --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --accent:#0969da; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header.top { background:#24292f; color:#fff; padding:10px 24px; display:flex; gap:16px; align-items:baseline; }
header.top a { color:#fff; text-decoration:none; font-weight:600; font-size:16px; }
header.top .mode { margin-left:auto; font-size:12px; opacity:.8; }
main { max-width:1320px; margin:0 auto; padding:16px 24px 48px; }
h1 { font-size:22px; margin:8px 0 4px; } h2 { font-size:16px; margin:0 0 10px; }
.sub { color:var(--muted); margin-bottom:16px; }
section.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; margin:14px 0; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:middle; }
th { font-size:12px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.03em; }
tr:last-child td { border-bottom:none; }
td.num { font-variant-numeric: tabular-nums; white-space:nowrap; }
td code, td time { white-space:nowrap; }
.badge.UNKNOWN { color:var(--muted); background:var(--bg); border-color:var(--line); }
a { color:var(--accent); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12.5px; }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; border:1px solid transparent; }
.badge.COMPLETED, .badge.ACTIVE, .badge.RUNNING, .badge.HEALTHY { color:var(--ok); background:#dafbe1; }
.badge.IN_PROGRESS, .badge.PENDING, .badge.PROVISIONING, .badge.ACTIVATING, .badge.DRAINING { color:var(--warn); background:#fff8c5; }
.badge.FAILED, .badge.STOPPED, .badge.UNHEALTHY { color:var(--bad); background:#ffebe9; }
.badge.PRIMARY { color:#fff; background:var(--accent); } .badge.INACTIVE { color:var(--muted); background:var(--bg); border-color:var(--line); }
.progress { position:relative; height:10px; width:100%; max-width:220px; min-width:80px; background:#eaeef2; border-radius:5px; overflow:hidden; display:inline-block; vertical-align:middle; }
.progress .healthy { position:absolute; left:0; top:0; bottom:0; background:var(--ok); }
.progress .running { position:absolute; left:0; top:0; bottom:0; background:#4ac26b; opacity:.55; }
.counts { display:block; color:var(--muted); font-size:12px; margin-top:3px; white-space:nowrap; }
.reason { color:var(--muted); font-size:12px; overflow-wrap:anywhere; }
code.wrap { white-space:normal; overflow-wrap:anywhere; } .image { display:block; color:var(--muted); }
.events li { padding:3px 0; border-bottom:1px dashed #eaeef2; list-style:none; } .events { padding:0; margin:0; max-height:320px; overflow:auto; }
.events time { color:var(--muted); font-family: ui-monospace, monospace; font-size:12px; margin-right:8px; }
.phases { display:flex; height:10px; width:100%; max-width:200px; min-width:60px; border-radius:3px; overflow:hidden; background:#eaeef2; }
.phases span { display:block; height:100%; }
.ph-provisioning { background:#8c959f; } .ph-pull { background:#54aeff; } .ph-startUp { background:#d4a72c; } .ph-running { background:#4ac26b; } .ph-stopping { background:#ff8182; }
.legend span { display:inline-block; width:10px; height:10px; margin:0 4px 0 12px; vertical-align:middle; border-radius:2px; }
.empty { color:var(--muted); font-style:italic; }
.live { font-size:12px; color:var(--warn); margin-left:8px; } .live.quiet { color:var(--muted); }
button.danger { background:#fff; color:var(--bad); border:1px solid var(--bad); border-radius:6px; padding:3px 10px; cursor:pointer; font-size:12px; }
button.danger:hover { background:var(--bad); color:#fff; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap:14px; } .grid2 section.card { margin:0; }
.banner { margin:10px 0; font-weight:normal; } .reason.bad { color:var(--bad); }
.charts { display:grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap:14px; }
.chart h3 { font-size:13px; margin:0 0 6px; } .chart .plot { width:100%; min-height:190px; overflow:hidden; }
.chart .uplot { font-family: inherit; } .chart .u-legend { font-size:12px; }
.error { background:#ffebe9; border:1px solid var(--bad); color:var(--bad); padding:10px 14px; border-radius:8px; }
.strip { display:inline-flex; gap:2px; vertical-align:middle; } .strip .run { display:inline-block; width:10px; height:16px; border-radius:2px; background:#eaeef2; }
.run.SUCCEEDED { background:var(--ok); } .run.FAILED, .run.TIMED_OUT, .run.LAUNCH_FAILED { background:var(--bad); }
.run.MISSED { background:#8c959f; } .run.SKIPPED, .run.REPLACED { background:#d4a72c; } .run.RUNNING, .run.PENDING { background:#54aeff; }
.badge.SUSPENDED, .badge.SKIPPED, .badge.MISSED, .badge.REPLACED { color:var(--warn); background:#fff8c5; }
.badge.SUCCEEDED, .badge.DONE { color:var(--ok); background:#dafbe1; } .badge.TIMED_OUT, .badge.LAUNCH_FAILED { color:var(--bad); background:#ffebe9; }
.badge.PASS { color:var(--ok); background:#dafbe1; } .badge.FAIL { color:var(--bad); background:#ffebe9; } .badge.INCONCLUSIVE { color:var(--warn); background:#fff8c5; }
nav.pager { margin-top:10px; display:flex; gap:12px; align-items:baseline; font-size:13px; }
table.details th { width:40%; text-transform:none; letter-spacing:0; font-size:13px; }
@media (max-width: 1000px) {
  main { padding:12px 12px 32px; }
  .grid2 { grid-template-columns: 1fr; }
  th.wide, td.wide { display:none; }
  th, td { padding:5px 5px; }
  .counts { white-space:normal; }
}
`;
