/**
 * D15: a `ChartSpec` as uPlot options — days on x (one tick each, every other one when they do
 * not fit), the spec's unit on y, the theme's colours and font (read by the caller from
 * app.css), bars or lines, no legend of uPlot's own (the chart draws its own, as text).
 */
import type uPlot from "uplot";
import { axisSteps, axisValue, drawData, plotScale, type ChartSpec } from "./series";

export type Palette = {
  /** An app.css colour token's value (`green` → `#1f9d55`). */
  color: (token: string) => string;
  muted: string;
  line: string;
  font: string;
};

/** Narrowest room for one day's tick label, in CSS pixels. */
const TICK_ROOM = { week: 46, month: 22 } as const;

export function plotOptions(
  U: typeof uPlot,
  spec: ChartSpec,
  ticks: readonly string[],
  kind: "week" | "month",
  palette: Palette,
  size: { width: number; height: number },
  /** The hovered day (`null`: none), where the cursor is from the chart's left, and whether
   * that is past the middle (a reading goes on its left then). */
  onCursor: (hover: { index: number; x: number; flip: boolean } | null) => void,
): uPlot.Options {
  const scale = plotScale(spec);
  const { order } = drawData(spec, scale);
  const n = ticks.length;
  const bars = spec.kind !== "lines";
  const barPaths = U.paths.bars?.({ size: [0.62, 40], gap: 1 });
  const every = (u: uPlot) => Math.max(1, Math.ceil((TICK_ROOM[kind] * n) / Math.max(1, u.width - 60)));
  return {
    ...size,
    padding: [12, 14, 0, 0],
    legend: { show: false },
    cursor: { y: false, drag: { x: false, y: false, setScale: false }, points: { show: !bars, size: 8 } },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    scales: {
      x: { time: false, range: () => [-0.5, n - 0.5] },
      y: { range: (_u, _min, max) => (spec.max !== null ? [0, spec.max] : U.rangeNum(0, max > 0 ? max : 1, 0.1, true)) },
    },
    axes: [
      {
        stroke: palette.muted,
        font: palette.font,
        grid: { show: false },
        ticks: { show: true, stroke: palette.line, width: 1, size: 4 },
        splits: () => ticks.map((_, i) => i),
        values: (u, splits) => splits.map((i) => (i % every(u) === 0 ? (ticks[i] ?? "") : "")),
        size: 28,
        gap: 4,
      },
      {
        stroke: palette.muted,
        font: palette.font,
        grid: { stroke: palette.line, width: 1 },
        ticks: { show: false },
        incrs: axisSteps(spec, scale),
        values: (_u, splits) => splits.map((v) => axisValue(scale, v)),
        size: 56,
        gap: 6,
      },
    ],
    series: [
      {},
      ...order.map((k): uPlot.Series => {
        const s = spec.series[k];
        const color = palette.color(s.color);
        return bars
          ? { label: s.label, stroke: color, fill: color, width: 0, paths: barPaths, points: { show: false } }
          : { label: s.label, stroke: color, width: 2, spanGaps: false, points: { show: true, size: 6, fill: color, stroke: color } };
      }),
    ],
    hooks: {
      setCursor: [
        (u) => {
          const index = u.cursor.idx;
          const left = u.cursor.left ?? -1;
          onCursor(index === null || index === undefined || left < 0 ? null : { index, x: left + u.over.offsetLeft, flip: left > u.over.clientWidth / 2 });
        },
      ],
    },
  };
}

/** uPlot's data: the days' indices, then each series as drawn. */
export function plotData(spec: ChartSpec): uPlot.AlignedData {
  const { data } = drawData(spec);
  const days = spec.series[0]?.values.length ?? 0;
  return [Array.from({ length: days }, (_, i) => i), ...data] as uPlot.AlignedData;
}
