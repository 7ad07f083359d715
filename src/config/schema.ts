/**
 * Config schemas: each config is declared once, as a table of fields `{ kind, values?, min?, default, doc }`.
 * Its TypeScript type ({@link ConfigOf}), its frozen defaults ({@link defaultsOf}) and the type checks of loaded
 * values ({@link checkField}) all derive from that table. The GRPO, SFT, quickstart and held-out eval configs use it.
 */

/** Value kinds; a trailing `?` also allows null. `enum` takes one of `values`; `object` is a mapping. */
export type FieldKind =
  | "number"
  | "int"
  | "bool"
  | "string"
  | "strings"
  | "numbers"
  | "enum"
  | "object"
  | "number?"
  | "int?"
  | "bool?"
  | "string?"
  | "strings?"
  | "numbers?";

/** One field of a config. */
export interface FieldSpec {
  kind: FieldKind;
  /** The allowed values of an `enum` field (an `as const` array, so the type is their union). */
  values?: readonly string[];
  /** The smallest value a number or int field takes (checked with the kind). */
  min?: number;
  /** The value when the field is not given. An `object` field's default carries its type (`{} as T`). */
  default: unknown;
  /** What the field means: its unit or range, our default and where it comes from. */
  doc: string;
}

/** A config's table: field name → spec. */
export type Schema = Readonly<Record<string, FieldSpec>>;

/** The TypeScript type of each plain kind. */
interface KindTypes {
  number: number;
  int: number;
  bool: boolean;
  string: string;
  strings: string[];
  numbers: number[];
}

/** The TypeScript type of one field's value. */
export type FieldValue<F> = F extends { kind: "enum"; values: readonly (infer V)[] }
  ? V
  : F extends { kind: "object"; default: infer D }
    ? D
    : F extends { kind: `${infer B extends keyof KindTypes}?` }
      ? KindTypes[B] | null
      : F extends { kind: infer B extends keyof KindTypes }
        ? KindTypes[B]
        : never;

/** The config object a schema describes. */
export type ConfigOf<S> = { -readonly [K in keyof S]: FieldValue<S[K]> };

/** `key` is an own property of `obj` (never one inherited from Object.prototype, such as `constructor`). */
export const hasOwn = (obj: object, key: string): boolean => Object.hasOwn(obj, key);

/** Sets `obj[key]` as an own property, even for `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of a default: arrays and mappings one level deep, so no config shares them with the schema. */
const copyDefault = (d: unknown): unknown =>
  Array.isArray(d) ? [...d] : typeof d === "object" && d !== null ? { ...d } : d;

/** The defaults of a schema as a frozen config object. */
export function defaultsOf<S extends Schema>(schema: S): Readonly<ConfigOf<S>> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema))
    setOwn(out, key, Object.freeze(copyDefault(field.default)));
  return Object.freeze(out) as Readonly<ConfigOf<S>>;
}

/** A fresh, mutable copy of the defaults (arrays and mappings copied, so a resolver may fill them in). */
export function mutableDefaults(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) setOwn(out, key, copyDefault(field.default));
  return out;
}

const isNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const atLeast = (min: number | undefined) => (min === undefined ? "" : ` ≥ ${min}`);

/** What is wrong with `value` for `field` (the fix to show), or null when it fits. */
function problem(field: FieldSpec, value: unknown): string | null {
  const base = field.kind.endsWith("?") ? field.kind.slice(0, -1) : field.kind;
  switch (base) {
    case "enum":
      return typeof value === "string" && (field.values ?? []).includes(value)
        ? null
        : `use one of ${(field.values ?? []).join(", ")}`;
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? null
        : "expected a mapping";
    case "strings":
      if (Array.isArray(value) && value.every((x) => typeof x === "string")) return null;
      return field.kind === "strings?"
        ? "expected a list of strings (or one string) or null"
        : "expected a list of names";
    case "numbers":
      return Array.isArray(value) && value.every(isNumber)
        ? null
        : "expected a list of finite numbers or null";
    case "bool":
      return typeof value === "boolean"
        ? null
        : `expected true or false${field.kind === "bool?" ? " or null" : ""}`;
    case "string":
      return typeof value === "string"
        ? null
        : `expected a string${field.kind === "string?" ? " or null" : ""}`;
    case "int":
      return Number.isSafeInteger(value) && (field.min === undefined || (value as number) >= field.min)
        ? null
        : `expected an integer${atLeast(field.min)}`;
    default:
      return isNumber(value) && (field.min === undefined || value >= field.min)
        ? null
        : `expected a finite number${atLeast(field.min)}`;
  }
}

/**
 * `value` checked against `field`'s kind (a copy for lists and mappings); a `strings?` field also takes one
 * string as a one-element list. Throws `fail(key, value, fix)` when it does not fit.
 */
export function checkField(
  key: string,
  field: FieldSpec,
  value: unknown,
  fail: (key: string, value: unknown, fix: string) => Error,
): unknown {
  if (value === null && field.kind.endsWith("?")) return null;
  if (field.kind === "strings?" && typeof value === "string") return [value];
  const fix = problem(field, value);
  if (fix !== null) throw fail(key, value, fix);
  if (Array.isArray(value)) return [...value];
  return typeof value === "object" && value !== null ? { ...value } : value;
}

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** ` Did you mean X?` when a valid key is within 3 edits of `key`, else "". */
export function didYouMean(key: string, valid: readonly string[]): string {
  if (valid.length === 0) return "";
  const best = valid.reduce((acc, k) => (distance(k, key) < distance(acc, key) ? k : acc), valid[0]);
  return distance(best, key) <= 3 ? ` Did you mean ${best}?` : "";
}
