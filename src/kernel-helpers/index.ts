/** What notebooks call to show things: charts, tables, progress and the live dashboard. */

export type { MetricsRow, UpdateMarker } from "./charts";
export { lengthFigure, rewardFigure, rollingMean, stepTimeFigure, trainingFigure } from "./charts";
export type { CompareOptions, LoadedRun, RunComparison, RunRef } from "./compare";
export { compareRunData, compareRuns } from "./compare";
export type { DashboardConfig, DashboardOptions, DashboardSource } from "./dashboard";
export { Dashboard, liveDashboard, updateMarkers, waitForStep } from "./dashboard";
export type { DisplaySink, MimeBundle } from "./display";
export { display, displayHtml, inNotebook, LiveDisplay, RecordingSink, setDisplaySink } from "./display";
export type { EvaluationParams, EvaluationScale } from "./evaluation";
export {
  evalRunEntries,
  evaluateCheckpoints,
  evaluationBenchmarks,
  evaluationCheckpoints,
  evaluationParams,
  evaluationProtocols,
  OPEN_RS_MODELS,
  paperReported,
  showProtocolSpread,
} from "./evaluation";
export type { HtmlTable } from "./notebook";
export {
  completionRecord,
  displayMarkdown,
  envChoice,
  envNumber,
  readCompletions,
  showTable,
} from "./notebook";
export type { NotebookEnv, NotebookEval, NotebookParams, NotebookSpec } from "./params";
export { applyNotebookOverrides, notebookEnv, notebookParams, runsDir } from "./params";
export type { Figure } from "./plotly";
export { LivePlot, plotlyInit, showFigure } from "./plotly";
export { formatDuration, ProgressBar } from "./progress";
export type { ChatTurn, CompletionRecord, PassAtOneEntry, ReportedValues } from "./tables";
export {
  completionsBrowserHtml,
  parseChatPrompt,
  passAtOneTable,
  showCompletions,
  showPassAtOne,
} from "./tables";
export type { EvalSet, ModelEval } from "./workflow";
export {
  clearRun,
  evalCheckpoints,
  evalModel,
  evalSets,
  showDataStats,
  showEvals,
  showOpenRsStats,
  showTrainingCharts,
  trainingRows,
} from "./workflow";
