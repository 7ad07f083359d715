/**
 * Open an exported notebook (HTML) in headless Chromium with networking off and report what rendered: each
 * plotly chart's trace count (figure vs SVG), the pass@1 tables, console errors and blocked requests.
 */
import { chromium } from "playwright-core";

/** Debian's Chromium (installed by .ci/run). */
export const CHROMIUM = process.env.OPEN_RS_CHROMIUM ?? "/usr/bin/chromium";

/** One rendered chart. */
export interface RenderedPlot {
  title: string;
  /** Traces in the figure data (`gd.data`). */
  traces: number;
  /** Trace groups drawn in the SVG. */
  svgTraces: number;
  hasSvg: boolean;
  /** Static fallback images still shown in the chart (0 once plotly.js drew it). */
  fallbackImages: number;
}

/** What the page showed. */
export interface ReportInspection {
  plots: RenderedPlot[];
  /** Rows (body) of each pass@1 table. */
  passAtOneRows: number[];
  consoleErrors: string[];
  /** Non-file requests the page tried (all aborted). */
  blockedRequests: string[];
}

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Load `file` (an absolute path) offline and inspect it; optionally save a full-page screenshot. */
export async function inspectReport(file: string, screenshot?: string): Promise<ReportInspection> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const blockedRequests: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      blockedRequests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await page.goto(`file://${file}`, { waitUntil: "load" });
    // (a string: the tsconfig has no DOM lib)
    await page.waitForFunction(
      "[...document.querySelectorAll('.open-rs-plot')].every((el) => el.querySelector('.main-svg'))",
      undefined,
      { timeout: 30_000 },
    );
    const plots = await page.$$eval(".open-rs-plot", (els) =>
      els.map((el) => {
        const gd = el as unknown as { data?: unknown[]; layout?: { title?: { text?: string } } };
        return {
          title: gd.layout?.title?.text ?? "",
          traces: gd.data?.length ?? 0,
          svgTraces: el.querySelectorAll(".cartesianlayer .trace").length,
          hasSvg: el.querySelector(".main-svg") !== null,
          fallbackImages: el.querySelectorAll("img.open-rs-static").length,
        };
      }),
    );
    const passAtOneRows = await page.$$eval(".open-rs-pass1 table", (ts) =>
      ts.map((t) => t.querySelectorAll("tbody tr").length),
    );
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { plots, passAtOneRows, consoleErrors, blockedRequests };
  } finally {
    await browser.close();
  }
}
