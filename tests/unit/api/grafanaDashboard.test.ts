// docs/grafana-steerway-serve.json charts only metrics /metrics exports, by the labels it gives them.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiMetrics } from '../../../main/api/metrics';

describe('Grafana dashboard', () => {
  it('queries only the metric names and labels the API exports', () => {
    const text = fs.readFileSync('docs/grafana-steerway-serve.json', 'utf8');
    const dashboard = JSON.parse(text) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const exported = new Map([...new ApiMetrics().render().matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/steerway_[a-z_]+/g)].map((m) => m[0])));
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(exported.has(base), name).toBe(true);
      if (base !== name) expect(exported.get(base)).toBe('histogram');
    }
    // Every exported metric is charted.
    expect([...exported.keys()].filter((name) => ![...used].some((u) => u.startsWith(name)))).toEqual([]);
    const labels = new Set(exprs.flatMap((e) => [...e.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()))));
    expect([...labels].sort()).toEqual(['le', 'route', 'status', 'tier', 'type']);
  });
});
