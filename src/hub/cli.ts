/**
 * Pre-download a hub dataset split (or one file) into the cache, for machines that will run offline:
 *
 *   npx tsx src/hub/cli.ts knoveleng/open-rs --split train [--config default] [--revision main]
 *   npx tsx src/hub/cli.ts HuggingFaceH4/MATH-500 --file test.jsonl
 *
 * Honors HF_ENDPOINT, HF_TOKEN and OPEN_RS_CACHE; prints each cached path. Copy the cache folder to the
 * offline machine and point OPEN_RS_CACHE at it.
 */
import { resolveHubOptions } from "./config";
import { hubDownload } from "./download";
import { resolveDatasetFiles } from "./resolve";

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const repoId = argv[0];
  if (!repoId || repoId.startsWith("--")) {
    throw new Error(
      "usage: src/hub/cli.ts <owner/name> [--split train] [--config default] [--revision main] [--file path]",
    );
  }
  const revision = arg(argv, "revision") ?? "main";
  const file = arg(argv, "file");
  const jobs = file
    ? [{ revision, filename: file }]
    : await resolveDatasetFiles({ repoId, split: arg(argv, "split"), config: arg(argv, "config"), revision });
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
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
