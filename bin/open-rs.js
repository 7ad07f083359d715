#!/usr/bin/env node
// Entry point of `npx open-rs <command>`: registers tsx so the TypeScript sources run as they are (no build step),
// then hands over to src/cli/main.ts.
"use strict";

// llama.cpp (eval --engine llama.cpp, GRPO rollouts) samples on libuv's pool; one pool thread keeps it from
// competing with llama.cpp's own threads for the cores (docs/engines.md). Read by libuv at its first use.
if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = "1";

require("tsx/cjs");
const { main } = require("../src/cli/main.ts");

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // commands report their own errors; this is the last resort (one line unless OPEN_RS_DEBUG=1)
    const debug = process.env.OPEN_RS_DEBUG === "1";
    console.error(`open-rs: ${err instanceof Error ? (debug ? err.stack : err.message) : err}`);
    process.exitCode = 1;
  },
);
