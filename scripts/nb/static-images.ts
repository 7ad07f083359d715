/**
 * Static renditions of a notebook's plotly charts, so viewers that run no JavaScript (GitHub, nbviewer, a
 * mail client) still show them: each chart is drawn by plotly.js in headless Chromium (playwright-core, the
 * browser the tests use) and the PNG is added to the same display bundle as `image/png`, and into the chart's
 * HTML as a fallback <img> that the chart's script replaces when plotly.js is there.
 */
import { existsSync, readFileSync } from "node:fs";
import { plotlyBundlePath } from "../../src/kernel-helpers/plotly";
import type { MimeData, Notebook } from "./nbformat";
import { joinText } from "./nbformat";

/** Debian's Chromium, or OPEN_RS_CHROMIUM. */
export function chromiumPath(): string {
  return process.env.OPEN_RS_CHROMIUM ?? "/usr/bin/chromium";
}

/** Why static images cannot be rendered here, or null when they can. */
export function staticImagesUnavailable(): string | null {
  const exe = chromiumPath();
  if (!existsSync(exe)) return `no Chromium at ${exe} (set OPEN_RS_CHROMIUM)`;
  try {
    require.resolve("playwright-core");
  } catch {
    return "playwright-core is not installed (a devDependency: run npm ci without --omit=dev)";
  }
  return null;
}

/** What {@link addStaticImages} did. */
export interface StaticImagesResult {
  /** Charts given an image. */
  rendered: number;
  /** Charts in the notebook. */
  charts: number;
  /** Set when nothing was rendered because the browser is missing. */
  skipped?: string;
}

/** Width of the rendered image in CSS pixels (the chart's height is its layout's). */
export const STATIC_WIDTH = 860;

type Fig = { data: unknown[]; layout?: Record<string, unknown> };

/** Put the fallback image inside the chart's div (`class="open-rs-plot"`), replacing an older one. */
export function withFallbackImage(html: string, pngBase64: string, alt: string): string {
  const cleaned = html.replace(/<img class="open-rs-static"[^>]*>/g, "");
  const img = `<img class="open-rs-static" src="data:image/png;base64,${pngBase64}" alt="${alt.replace(/[<>"&]/g, "")}" style="max-width:100%">`;
  return cleaned.replace(/(<div [^>]*class="open-rs-plot"[^>]*>)/, `$1${img}`);
}

/**
 * Render every plotly chart of `nb` (in place) to PNG. Returns how many; when Chromium or playwright-core is
 * missing, renders nothing and says why in `skipped`.
 */
export async function addStaticImages(nb: Notebook): Promise<StaticImagesResult> {
  const bundles: MimeData[] = [];
  for (const c of nb.cells) {
    if (c.cell_type !== "code") continue;
    for (const o of c.outputs) {
      if (
        (o.output_type === "display_data" || o.output_type === "execute_result") &&
        o.data["application/vnd.plotly.v1+json"]
      ) {
        bundles.push(o.data);
      }
    }
  }
  if (bundles.length === 0) return { rendered: 0, charts: 0 };
  const why = staticImagesUnavailable();
  if (why) return { rendered: 0, charts: bundles.length, skipped: why };
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  let rendered = 0;
  try {
    const page = await browser.newPage({ viewport: { width: STATIC_WIDTH + 40, height: 800 } });
    await page.setContent(
      `<!DOCTYPE html><html><head><script>${readFileSync(plotlyBundlePath(), "utf8")}</script></head>` +
        `<body style="margin:0"><div id="g"></div></body></html>`,
    );
    for (const data of bundles) {
      const fig = data["application/vnd.plotly.v1+json"] as Fig;
      const layout = { ...(fig.layout ?? {}) };
      const height = typeof layout.height === "number" ? layout.height : 360;
      const arg = JSON.stringify({ data: fig.data, layout: { ...layout, width: STATIC_WIDTH, height } });
      // (a string: the tsconfig has no DOM lib)
      const url = (await page.evaluate(
        `(async () => { const f = ${arg}; const gd = document.getElementById("g");
          await Plotly.newPlot(gd, f.data, f.layout, { staticPlot: true });
          const url = await Plotly.toImage(gd, { format: "png", width: ${STATIC_WIDTH}, height: ${height}, scale: 1 });
          Plotly.purge(gd); return url; })()`,
      )) as string;
      const b64 = url.replace(/^data:image\/png;base64,/, "");
      data["image/png"] = b64;
      const title = (layout.title as { text?: string } | undefined)?.text ?? "chart";
      if (data["text/html"] !== undefined) {
        data["text/html"] = withFallbackImage(joinText(data["text/html"]), b64, title);
      }
      rendered++;
    }
  } finally {
    await browser.close();
  }
  return { rendered, charts: bundles.length };
}
