/** The SFT loss curve: read loss.jsonl, and a plotly figure (raw loss plus a trailing mean). */
import { readJsonl } from "../io/jsonl";
import { rollingMean } from "../kernel-helpers/charts";
import type { Figure } from "../kernel-helpers/plotly";
import type { SftStepRecord } from "./trainer";

/** Parse a loss.jsonl written by {@link trainSft}. */
export function readLossCurve(file: string): SftStepRecord[] {
  return readJsonl<SftStepRecord>(file);
}

/** Loss per step (thin) and its `window`-step trailing mean (thick), for `showFigure`. */
export function lossCurveFigure(records: readonly SftStepRecord[], window = 20): Figure {
  const x = records.map((r) => r.step);
  const y = records.map((r) => r.loss);
  return {
    data: [
      { type: "scatter", mode: "lines", name: "loss", x, y, line: { width: 1 }, opacity: 0.4 },
      {
        type: "scatter",
        mode: "lines",
        name: `mean of ${window}`,
        x,
        y: rollingMean(y, window),
        line: { width: 2 },
      },
    ],
    layout: {
      title: { text: "SFT loss (nats / completion token)" },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "loss" } },
    },
  };
}
