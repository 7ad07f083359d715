/**
 * The one row schema shared by every dataset in the project: the synthetic curriculum, the real training
 * sets (open-rs, open-s1, open-deepscaler) and the five benchmarks. Reward and eval code read only this.
 */
export interface MathRow {
  /** Stable identifier, unique within its dataset (e.g. `open-rs-17`, `test/algebra/2517.json`). */
  id?: string;
  /** The problem statement shown to the model. */
  problem: string;
  /** A worked solution with the final answer in `\boxed{}` (Open-RS reads its gold from here). */
  solution?: string;
  /** The final answer, as LaTeX or a plain expression. */
  answer: string;
  /** Difficulty label: `Easy` / `Hard` in open-rs, an integer level in MATH. */
  level?: string | number;
  /** Where the row came from (dataset or upstream source). */
  source?: string;
  /** Any further columns are kept and passed through to reward functions. */
  [column: string]: unknown;
}
