/** What notebooks call to show things: charts, tables, progress and the live dashboard. */

export type { MetricsRow, UpdateMarker } from "./charts";
export { lengthFigure, rewardFigure, rollingMean, stepTimeFigure, trainingFigure } from "./charts";
export type { DashboardConfig, DashboardOptions, DashboardSource } from "./dashboard";
export { Dashboard, liveDashboard, updateMarkers, waitForStep } from "./dashboard";
export type { DisplaySink, MimeBundle } from "./display";
export { display, displayHtml, inNotebook, LiveDisplay, RecordingSink, setDisplaySink } from "./display";
export type { HtmlTable } from "./notebook";
export {
  completionRecord,
  displayMarkdown,
  envChoice,
  envNumber,
  readCompletions,
  showTable,
} from "./notebook";
export type { Figure } from "./plotly";
export { LivePlot, plotlyInit, showFigure } from "./plotly";
export { formatDuration, ProgressBar } from "./progress";
export type { CompletionRecord, PassAtOneEntry, ReportedValues } from "./tables";
export { completionsBrowserHtml, passAtOneTable, showCompletions, showPassAtOne } from "./tables";
