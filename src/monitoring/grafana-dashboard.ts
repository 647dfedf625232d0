/**
 * Typed JSON model of the Grafana dashboards this project emits, and the layout and
 * serialization that make one deterministic. Only the fields we set are declared; the
 * model is Grafana's dashboard JSON (docs: dashboards/build-dashboards/view-dashboard-json-model)
 * at schemaVersion 39 (Grafana 11; kube-prometheus-stack 70.4.1 ships the grafana chart
 * 8.11.x). Grafana migrates an older schemaVersion when it loads a dashboard, never a newer one.
 *
 * Deterministic: panel ids are their position in the dashboard (1, 2, ...), grid positions
 * follow from the order and widths alone, and the JSON is written with every object's keys
 * sorted, so the same input always gives the same bytes.
 */

export const GRAFANA_SCHEMA_VERSION = 39;
/** Grafana's grid is 24 columns wide. */
const GRID_COLUMNS = 24;

/** A Prometheus data source, by uid or by a `${variable}` holding one. */
export interface DatasourceRef {
  readonly type: 'prometheus';
  readonly uid: string;
}

/** One PromQL query of a panel. */
export interface PrometheusTarget {
  /** A, B, C, ... in the panel. */
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly expr: string;
  /** Series name; `{{label}}` prints a label. */
  readonly legendFormat: string;
  /**
   * The query's min step. Grafana also takes it as the scrape interval behind
   * `$__rate_interval` = max($__interval + min step, 4 × min step) (grafana/grafana#77234).
   */
  readonly interval: string;
  readonly range: true;
  readonly instant: false;
  readonly editorMode: 'code';
}

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Field settings for the series whose display name matches a regular expression. */
export interface FieldOverride {
  readonly matcher: { readonly id: 'byRegexp'; readonly options: string };
  readonly properties: ReadonlyArray<{ readonly id: string; readonly value: unknown }>;
}

export interface TimeSeriesPanel {
  readonly type: 'timeseries';
  readonly id: number;
  readonly title: string;
  /** Shown on the panel's (i) icon: what it plots, where the metric comes from. */
  readonly description: string;
  readonly gridPos: GridPos;
  readonly datasource: DatasourceRef;
  readonly targets: readonly PrometheusTarget[];
  readonly fieldConfig: {
    readonly defaults: {
      /** A Grafana unit id (`bytes`, `µs`, `short`, `percentunit`) or `suffix:<text>`. */
      readonly unit: string;
      /** @default - from the data */
      readonly min?: number;
      /** @default - automatic */
      readonly decimals?: number;
      readonly custom: {
        readonly drawStyle: 'line';
        readonly lineInterpolation: 'linear' | 'stepAfter';
        readonly fillOpacity: number;
        readonly showPoints: 'never';
        readonly spanNulls: false;
      };
    };
    readonly overrides: readonly FieldOverride[];
  };
  readonly options: {
    readonly legend: {
      readonly displayMode: 'table';
      readonly placement: 'bottom';
      readonly showLegend: true;
      readonly calcs: readonly string[];
    };
    readonly tooltip: { readonly mode: 'multi'; readonly sort: 'desc' };
  };
}

/** A heading row; never collapsed, so its panels follow it in the dashboard's panel list. */
export interface RowPanel {
  readonly type: 'row';
  readonly id: number;
  readonly title: string;
  readonly gridPos: GridPos;
  readonly collapsed: false;
  readonly panels: readonly [];
}

export type Panel = TimeSeriesPanel | RowPanel;

/** A drop-down of the Prometheus data sources; panels use it as `${name}`. */
export interface DatasourceVariable {
  readonly type: 'datasource';
  readonly name: string;
  readonly label: string;
  readonly query: 'prometheus';
  /** Selected when the dashboard opens. */
  readonly current: { readonly text: string; readonly value: string };
  readonly hide: 0;
  readonly includeAll: false;
  readonly multi: false;
  readonly options: readonly [];
  readonly refresh: 1;
  readonly regex: '';
}

export interface Dashboard {
  /** Grafana's key for the dashboard: at most 40 of a-z A-Z 0-9 - _. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly timezone: 'utc' | 'browser';
  /** Provisioned from a ConfigMap: edits in the UI would not be kept. */
  readonly editable: false;
  /** 1: a shared crosshair over every panel. */
  readonly graphTooltip: 0 | 1 | 2;
  readonly schemaVersion: number;
  readonly version: number;
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly templating: { readonly list: readonly DatasourceVariable[] };
  readonly annotations: { readonly list: readonly [] };
  readonly links: readonly [];
  readonly panels: readonly Panel[];
}

// ---------------------------------------------------------------------------------------
// Layout

/** A query of a panel: PromQL and the series name it gets. */
export interface QuerySpec {
  readonly expr: string;
  readonly legend: string;
}

/** A time-series panel before layout: what it shows and how wide it is. */
export interface TimeSeriesSpec {
  readonly kind: 'timeseries';
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  /** Grid columns out of 24. */
  readonly width: number;
  readonly queries: readonly QuerySpec[];
  /** @default - from the data */
  readonly min?: number;
  /** @default - automatic */
  readonly decimals?: number;
  /** Draw steps, not slopes: for counts that change at instants (restarts). @default false */
  readonly steps?: boolean;
  /** Regular expressions of series names drawn dashed (thresholds, requests, limits). @default none */
  readonly dashed?: readonly string[];
}

export interface RowSpec {
  readonly kind: 'row';
  readonly title: string;
}

export type PanelSpec = TimeSeriesSpec | RowSpec;

export interface LayoutContext {
  readonly datasource: DatasourceRef;
  /** Min step of every query (a Grafana interval such as `30s`). */
  readonly minStep: string;
}

const PANEL_HEIGHT = 8;
const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Places the panels left to right, top to bottom, in the given order: a row takes a line of
 * its own; a panel that does not fit beside the previous one starts a new line. Ids are
 * positions, from 1.
 */
export function layoutPanels(specs: readonly PanelSpec[], context: LayoutContext): Panel[] {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const newLine = () => {
    y += lineHeight;
    x = 0;
    lineHeight = 0;
  };
  return specs.map((spec, index): Panel => {
    const id = index + 1;
    if (spec.kind === 'row') {
      newLine();
      const gridPos = { x: 0, y, w: GRID_COLUMNS, h: 1 };
      lineHeight = 1;
      newLine();
      return { type: 'row', id, title: spec.title, gridPos, collapsed: false, panels: [] };
    }
    if (spec.width < 1 || spec.width > GRID_COLUMNS) throw new Error(`panel ${spec.title}: width ${spec.width} is not 1 to ${GRID_COLUMNS}`);
    if (x + spec.width > GRID_COLUMNS) newLine();
    const gridPos = { x, y, w: spec.width, h: PANEL_HEIGHT };
    x += spec.width;
    lineHeight = Math.max(lineHeight, PANEL_HEIGHT);
    return timeSeries(id, gridPos, spec, context);
  });
}

function timeSeries(id: number, gridPos: GridPos, spec: TimeSeriesSpec, context: LayoutContext): TimeSeriesPanel {
  if (spec.queries.length === 0 || spec.queries.length > REF_IDS.length) throw new Error(`panel ${spec.title}: 1 to ${REF_IDS.length} queries, got ${spec.queries.length}`);
  const { datasource, minStep } = context;
  return {
    type: 'timeseries',
    id,
    title: spec.title,
    description: spec.description,
    gridPos,
    datasource,
    targets: spec.queries.map((query, i) => ({
      refId: REF_IDS[i],
      datasource,
      expr: query.expr,
      legendFormat: query.legend,
      interval: minStep,
      range: true,
      instant: false,
      editorMode: 'code',
    })),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.min !== undefined ? { min: spec.min } : {}),
        ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}),
        custom: {
          drawStyle: 'line',
          lineInterpolation: spec.steps ? 'stepAfter' : 'linear',
          fillOpacity: 0,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: (spec.dashed ?? []).map((regex) => ({
        matcher: { id: 'byRegexp', options: regex },
        properties: [{ id: 'custom.lineStyle', value: { dash: [10, 10], fill: 'dash' } }],
      })),
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

// ---------------------------------------------------------------------------------------
// Serialization

/** The dashboard as JSON text: keys sorted at every level, two-space indent, final newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(sortKeys(dashboard), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}
