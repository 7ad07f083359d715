/** Supervised fine-tuning (cross-entropy on completion tokens) for any {@link CausalLM}. */
export type { SftConfig, SftOptimizer } from "./config";
export { resolveSftConfig, SFT_DEFAULTS } from "./config";
export { lossCurveFigure, readLossCurve } from "./curve";
export type { SftPair, SftTokens } from "./data";
export { encodeSftPair, microBatchesByTokens } from "./data";
export { sftLossTensor } from "./loss";
export type { SftResult, SftRunOptions, SftStepRecord } from "./trainer";
export { trainSft } from "./trainer";
