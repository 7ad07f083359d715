import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { componentCounts, mixDatasets } from "../../src/data/mix";
import {
  buildPrompts,
  makeConversation,
  OPEN_RS_SYSTEM_PROMPT,
  OPEN_RS_SYSTEM_PROMPT_BASE,
} from "../../src/data/prompt";
import type { MathRow } from "../../src/data/schema";
import type { ChatMessage, TokenizerLike } from "../../src/tokenizer/types";

/**
 * A fake tokenizer: renders the DeepSeek-R1-Distill layout, one token per whitespace-separated word,
 * and the id of a token is its position in the text, so a left truncation is visible in the ids.
 */
const fakeTok: TokenizerLike = {
  vocabSize: 1000,
  eosTokenId: 0,
  padTokenId: 0,
  bosTokenId: null,
  encode: (text) =>
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((_, i) => i),
  decode: (ids) => ids.join(" "),
  applyChatTemplate: (messages: ChatMessage[], opts) =>
    `<bos> ${messages[0].content} <｜User｜> ${messages[1].content} ${opts?.addGenerationPrompt ? "<｜Assistant｜><think>\n" : ""}`,
};

describe("prompt building", () => {
  test("system prompt is Open-RS's, with the literal \\boxed{{}}", () => {
    assert.ok(OPEN_RS_SYSTEM_PROMPT.includes("put your final answer within \\boxed{{}} . The reasoning"));
    assert.ok(OPEN_RS_SYSTEM_PROMPT.endsWith("Note that respond by English, NOT use other languages."));
    assert.ok(OPEN_RS_SYSTEM_PROMPT_BASE.endsWith("<answer> answer here </answer>."));
    assert.deepEqual(makeConversation("2+2?"), [
      { role: "system", content: OPEN_RS_SYSTEM_PROMPT },
      { role: "user", content: "2+2?" },
    ]);
  });

  test("left truncation keeps the last max_prompt_length tokens and counts truncations", () => {
    const rows: MathRow[] = [
      { problem: "short", answer: "1" },
      { problem: "a b c d e f g h i j", answer: "2" },
    ];
    // fake rendering: "<bos>", "S", "<｜User｜>", problem words, "<｜Assistant｜><think>"
    const built = buildPrompts(rows, fakeTok, { systemPrompt: "S", max_prompt_length: 8 });
    assert.equal(built.truncatedCount, 1);
    assert.deepEqual(
      built.prompts.map((p) => [p.fullLength, p.truncated]),
      [
        [5, false],
        [14, true],
      ],
    );
    assert.deepEqual(built.prompts[1].ids, [6, 7, 8, 9, 10, 11, 12, 13]); // the tail, ending at the prefill
    assert.ok(built.prompts[1].text.endsWith("<｜Assistant｜><think>\n"));
    assert.equal(buildPrompts(rows, fakeTok, { max_prompt_length: null }).truncatedCount, 0);
    assert.throws(() => buildPrompts(rows, fakeTok, { max_prompt_length: 0 }), /max_prompt_length/);
  });
});

function pool(source: string, hard: number, easy: number): MathRow[] {
  const mk = (level: string, i: number) => ({
    id: `${source}-${level}-${i}`,
    problem: `${source} ${level} ${i}`,
    answer: "0",
    level,
    source,
  });
  return [
    ...Array.from({ length: hard }, (_, i) => mk("Hard", i)),
    ...Array.from({ length: easy }, (_, i) => mk("Easy", i)),
  ];
}

describe("mixing", () => {
  const s1 = pool("s1", 50, 0);
  const ds = pool("ds", 40, 30);
  const exp2 = [
    { name: "open-s1", rows: s1, count: 30 },
    { name: "open-deepscaler", rows: ds, level: "Hard", count: 30 },
    { name: "open-deepscaler", rows: ds, level: "Easy", count: 10 },
  ];

  test("Experiment-2 shape: exact counts per source and level, no repeats", () => {
    const { rows, report } = mixDatasets(exp2, { seed: 42 });
    const count = (src: string, lvl: string) =>
      rows.filter((r) => r.source === src && r.level === lvl).length;
    assert.deepEqual([count("s1", "Hard"), count("ds", "Hard"), count("ds", "Easy")], [30, 30, 10]);
    assert.equal(new Set(rows.map((r) => r.id)).size, 70);
    assert.deepEqual(
      report.map((r) => [r.name, r.level, r.available, r.taken]),
      [
        ["open-s1", "*", 50, 30],
        ["open-deepscaler", "Hard", 40, 30],
        ["open-deepscaler", "Easy", 30, 10],
      ],
    );
  });

  test("same seed, same mixture; another seed, another one", () => {
    const a = mixDatasets(exp2, { seed: 42 }).rows.map((r) => r.id);
    assert.deepEqual(
      mixDatasets(exp2, { seed: 42 }).rows.map((r) => r.id),
      a,
    );
    assert.notDeepEqual(
      mixDatasets(exp2, { seed: 43 }).rows.map((r) => r.id),
      a,
    );
  });

  test("ratios become exact counts by largest remainder", () => {
    // 3:3:1 of 10 → 4.29, 4.29, 1.43 → floors 4,4,1 (9); the one left goes to the largest remainder (.43, c)
    const three = (a: number, b: number, c: number) => [
      { name: "a", rows: [], ratio: a },
      { name: "b", rows: [], ratio: b },
      { name: "c", rows: [], ratio: c },
    ];
    assert.deepEqual(componentCounts(three(3, 3, 1), 10), [4, 4, 2]);
    // 1:1:1 of 10 → 3.33 each; the tie goes to the first component
    assert.deepEqual(componentCounts(three(1, 1, 1), 10), [4, 3, 3]);
    assert.deepEqual(
      componentCounts(
        [
          { name: "a", rows: [], ratio: 3000 },
          { name: "b", rows: [], ratio: 3000 },
          { name: "c", rows: [], ratio: 1000 },
        ],
        7000,
      ),
      [3000, 3000, 1000],
    );
    const { rows } = mixDatasets(
      [
        { name: "s1", rows: s1, ratio: 0.5 },
        { name: "ds", rows: ds, level: "Easy", ratio: 0.5 },
      ],
      { seed: 1, total: 21 },
    );
    assert.equal(rows.length, 21);
    assert.equal(rows.filter((r) => r.source === "s1").length, 11);
  });

  test("asking for more rows than a component has names it", () => {
    assert.throws(
      () => mixDatasets([{ name: "ds", rows: ds, level: "Easy", count: 31 }], { seed: 0 }),
      /"ds" level Easy asks 31 rows but has 30/,
    );
  });
});
