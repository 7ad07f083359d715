/**
 * Open-RS's system prompt (recipes/grpo.yaml @2889c47, reference §1.3), verbatim, including the literal
 * `\boxed{{}}` (never `.format()`-ed upstream). Used as tokenizer-training text and as an optional SFT system turn.
 */
export const OPEN_RS_SYSTEM_PROMPT =
  "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The " +
  "assistant first thinks about the reasoning process in the mind and then provides the user with the answer, " +
  "and put your final answer within \\boxed{{}} . The reasoning process and answer are enclosed within " +
  "<think> </think> and <answer> </answer> tags, respectively, i.e., <think> reasoning process here </think> " +
  "<answer> answer here </answer>. Note that respond by English, NOT use other languages.";

/**
 * lighteval's math prompt as Open-RS evaluates with it (reference §1.7), `{Question}` marking the problem. The same
 * text as `LIGHTEVAL_MATH_PROMPT` in src/eval/protocol.ts; repeated here so the data module has no eval dependency.
 */
export const EVAL_MATH_PROMPT =
  "Solve the following math problem efficiently and clearly.  The last line of your response should be of the " +
  "following format: 'Therefore, the final answer is: $\\boxed{ANSWER}$. I hope it is correct' (without quotes) " +
  "where ANSWER is just the final number or expression that solves the problem. Think step by step before " +
  "answering.\n\n{Question}";
