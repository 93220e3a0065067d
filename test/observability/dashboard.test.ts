import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

// docs/grafana-dashboard.json against the keys of Grafana's dashboard JSON model that an import
// needs, and against what /metrics really serves: a renamed metric breaks this test, not a panel.

interface Target {
  refId?: unknown;
  expr?: unknown;
  datasource?: unknown;
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { h?: unknown; w?: unknown; x?: unknown; y?: unknown };
  datasource?: unknown;
  targets?: Target[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
  [key: string]: unknown;
}

const dashboard = JSON.parse(await readFile(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;
const GRID_COLUMNS = 24;
const PANEL_TYPES = ['row', 'timeseries', 'stat', 'gauge', 'bargauge', 'table', 'heatmap', 'text'];

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.stop();
});

describe('the Grafana dashboard', () => {
  test("has the dashboard model's required keys, with their types", () => {
    expect(dashboard).toMatchObject({
      id: null,
      uid: expect.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
      title: expect.any(String),
      tags: expect.any(Array),
      timezone: expect.any(String),
      editable: expect.any(Boolean),
      graphTooltip: expect.any(Number),
      time: { from: expect.any(String), to: expect.any(String) },
      timepicker: expect.any(Object),
      templating: { list: expect.any(Array) },
      annotations: { list: expect.any(Array) },
      refresh: expect.any(String),
      schemaVersion: expect.any(Number),
      version: expect.any(Number),
      panels: expect.any(Array),
    });
    expect(dashboard.panels.length).toBeGreaterThan(0);
  });

  test('has panels with unique ids, a known type and a place on the 24-column grid, none overlapping', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(typeof panel.id).toBe('number');
      expect(PANEL_TYPES).toContain(panel.type);
      expect(typeof panel.title).toBe('string');
      const { h, w, x, y } = panel.gridPos ?? {};
      for (const value of [h, w, x, y]) expect(Number.isInteger(value)).toBe(true);
      expect((x as number) + (w as number)).toBeLessThanOrEqual(GRID_COLUMNS);
      for (let row = y as number; row < (y as number) + (h as number); row++) {
        for (let column = x as number; column < (x as number) + (w as number); column++) {
          const cell = `${row}:${column}`;
          expect(taken.has(cell), `${String(panel.title)} overlaps another panel at ${cell}`).toBe(false);
          taken.add(cell);
        }
      }
    }
  });

  test('queries only metrics that /metrics serves, through variables it defines', async () => {
    const exposition = await (await fetch(new URL('/metrics', app.url))).text();
    const served = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
    const variables = new Set(dashboard.templating.list.map((variable) => variable.name));
    const queried = new Set<string>();
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, the data source chosen on import.
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(typeof target.refId).toBe('string');
        const expr = String(target.expr);
        for (const [, name] of expr.matchAll(/\b((?:framewright|graphql)_[a-z_]+?)(?:_bucket|_count|_sum)?\{/g)) queried.add(name!);
        for (const [, variable] of expr.matchAll(/\$(\w+)/g)) if (!variable!.startsWith('__')) expect(variables).toContain(variable);
      }
    }
    expect(queried.size).toBeGreaterThan(5);
    expect([...queried].filter((name) => !served.has(name))).toEqual([]);
  });
});
