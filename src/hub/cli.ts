/**
 * Pre-download a hub dataset split (or one file) into the cache, for machines that will run offline:
 *
 *   npx tsx src/hub/cli.ts knoveleng/open-rs --split train [--config default] [--revision main]
 *   npx tsx src/hub/cli.ts HuggingFaceH4/MATH-500 --file test.jsonl
 *
 * Honors HF_ENDPOINT, HF_TOKEN and OPEN_RS_CACHE; prints each cached path. Copy the cache folder to the
 * offline machine and point OPEN_RS_CACHE at it.
 */
import { parseArgs } from "node:util";
import { resolveHubOptions } from "./config";
import { hubDownload } from "./download";
import { resolveDatasetFiles } from "./resolve";

const USAGE =
  "usage: src/hub/cli.ts <owner/name> [--split train] [--config default] [--revision main] [--file path]";

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      split: { type: "string" },
      config: { type: "string" },
      revision: { type: "string", default: "main" },
      file: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [repoId, ...extra] = positionals;
  if (!repoId || extra.length > 0) throw new Error(USAGE);
  const { revision, file, split, config } = values;
  const jobs = file
    ? [{ revision, filename: file }]
    : await resolveDatasetFiles({ repoId, split, config, revision });
  for (const f of jobs) {
    const got = await hubDownload({
      repoId,
      repoType: "dataset",
      revision: f.revision,
      filename: f.filename,
    });
    process.stdout.write(
      `${got.path}\t${got.size} bytes\tsha256 ${got.sha256}${got.fromCache ? "\t(cached)" : ""}\n`,
    );
  }
  process.stdout.write(`cache: ${resolveHubOptions().cacheDir}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    const usage = (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? ` (${USAGE})` : "";
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}${usage}\n`);
    process.exit(1);
  });
}
