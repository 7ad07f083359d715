/**
 * The worker process: where a run's loop (GrpoRun, the same loop the CLI and scripts use) or a generation
 * service lives, away from the control process (a notebook kernel). Its tensor work runs on N worker threads
 * (thread-policy.ts); this process only coordinates. It runs at a lower CPU priority, so an interactive kernel
 * wins the cores when it needs them, and exits when its control process goes away.
 */
import * as os from "node:os";
import type { BackendName } from "../backend/select";
import { rewardParamsOf } from "../grpo/config-resolve";
import { adamOptions, type GenerationRequest } from "../grpo/policy";
import { GrpoRun } from "../grpo/run";
import { registerReward, resolveRewards, rewardKeys, type WeightedReward } from "../rewards/index";
import {
  type ErrorData,
  errorData,
  errorFrom,
  type FromHost,
  type GeneratorJob,
  type RunJob,
  type ToHost,
} from "./protocol";
import { buildTokenizer } from "./specs";
import { ThreadPolicy } from "./thread-policy";

function send(msg: FromHost): void {
  process.send?.(msg);
}

function lowerPriority(): void {
  const nice = Number(process.env.OPEN_RS_WORKER_NICE ?? 10);
  if (!Number.isInteger(nice) || nice <= 0) return;
  try {
    os.setPriority(Math.min(19, os.getPriority() + nice));
  } catch {
    // not permitted here: run at the normal priority
  }
}

/** Rewards of a run job: built-ins resolved here, the rest scored by the control process. */
function planRewards(job: RunJob, remoteTime: { seconds: number }): WeightedReward[] {
  const params = rewardParamsOf(job.config);
  const pending = new Map<number, { resolve: (v: ToHost & { type: "score-reply" }) => void }>();
  let nextId = 1;
  process.on("message", (msg: ToHost) => {
    if (msg.type !== "score-reply") return;
    pending.get(msg.id)?.resolve(msg);
    pending.delete(msg.id);
  });
  return job.rewards.map((r, index) => {
    if (!r.remote) return { ...resolveRewards([r.key], [r.weight], params)[0], name: r.name };
    return {
      key: r.key,
      name: r.name,
      weight: r.weight,
      fn: async (completions, batch, ctx) => {
        const t0 = performance.now();
        const id = nextId++;
        const reply = await new Promise<ToHost & { type: "score-reply" }>((resolve) => {
          pending.set(id, { resolve });
          const { diagnostics: _d, ...plain } = ctx;
          send({ type: "score", id, index, completions, batch, ctx: plain });
        });
        remoteTime.seconds += (performance.now() - t0) / 1000;
        if (!reply.ok) throw errorFrom(reply.error);
        for (const row of reply.unverifiable) ctx.diagnostics?.unverifiableRows.add(row);
        return reply.values;
      },
    };
  });
}

/**
 * The control process's own rewards, known here by key so that config validation accepts them; they are scored
 * there (planRewards), never through these entries.
 */
function registerRemoteRewardKeys(job: RunJob): void {
  for (const r of job.rewards) {
    if (r.remote && !rewardKeys().includes(r.key)) {
      registerReward(r.key, () => {
        throw new Error(`reward "${r.key}" is scored by the control process`);
      });
    }
  }
}

/**
 * After each step, wait briefly for the control process to have seen it, so that what its step listeners do
 * (stop, pause, update) applies before the next step; a busy control process delays a step by at most this.
 */
const ACK_WAIT_MS = 250;

/** A wait for the control process's acknowledgement of `step` (at most {@link ACK_WAIT_MS}). */
function stepAcknowledgements(): (step: number) => Promise<void> {
  let acked = 0;
  let wakeAck: (() => void) | null = null;
  process.on("message", (msg: ToHost) => {
    if (msg.type !== "step-ack") return;
    acked = Math.max(acked, msg.step);
    wakeAck?.();
  });
  return (step: number) =>
    new Promise<void>((resolve) => {
      if (acked >= step) return resolve();
      const t = setTimeout(resolve, ACK_WAIT_MS);
      wakeAck = () => {
        if (acked < step) return;
        clearTimeout(t);
        wakeAck = null;
        resolve();
      };
    });
}

/** Forward the run's status and events to the control process, and its commands and updates to the run. */
function relayRun(run: GrpoRun): () => void {
  const status = () =>
    send({
      type: "status",
      status: run.status,
      step: run.step,
      totalSteps: run.totalSteps,
      config: run.config,
    });
  run.on("status", status);
  for (const name of ["step", "log", "checkpoint"] as const) {
    run.on(name, (payload) => {
      if (name === "step") status();
      send({ type: "event", name, payload });
    });
  }
  run.on("done", (payload) => send({ type: "event", name: "done", payload }));
  run.on("error", (err) => send({ type: "failed", error: errorData(err) }));
  process.on("message", (msg: ToHost) => {
    if (msg.type === "command") {
      if (msg.name === "checkpoint") void run.checkpoint().catch(() => {});
      else if (msg.name === "interrupt") run.interrupt();
      else run[msg.name]();
    } else if (msg.type === "update") {
      try {
        run.update(msg.patch);
      } catch (err) {
        process.stderr.write(`run.update refused in the worker process: ${(err as Error).message}\n`);
      }
    }
  });
  return status;
}

async function startRun(job: RunJob): Promise<void> {
  registerRemoteRewardKeys(job);
  const policy = await ThreadPolicy.create(job.model, {
    workers: job.workers,
    backend: job.backend as BackendName | undefined,
    adam: adamOptions(job.config),
    reference: job.config.beta > 0 || job.refModel !== undefined,
    refSpec: job.refModel,
  });
  const remote = { seconds: 0 };
  const waitAck = stepAcknowledgements();
  const hasRemote = job.rewards.some((r) => r.remote);
  const run = new GrpoRun(
    job.config,
    {
      policy,
      tokenizer: buildTokenizer(job.tokenizer),
      dataset: job.dataset,
      rewards: planRewards(job, remote),
      tokenizerDir: job.tokenizerDir,
      warn: (m) => process.stderr.write(`${m}\n`),
      extraMetrics: hasRemote
        ? () => {
            const seconds = remote.seconds;
            remote.seconds = 0;
            return { "perf/control_reward_time": seconds };
          }
        : undefined,
    },
    {
      resumeFrom: job.resumeFrom,
      resume: job.resume,
      maxPositions: undefined,
      beforeEnd: async (trainer) => send({ type: "weights", weights: await trainer.policy.weights() }),
      afterStep: (metrics) => waitAck(metrics.step),
    },
  );
  const status = relayRun(run);
  send({ type: "ready", workers: policy.workers });
  status();
  await run.done.then(
    () => {},
    () => {},
  );
}

async function startGenerator(job: GeneratorJob): Promise<void> {
  let policy = await ThreadPolicy.create(job.model, {
    workers: job.workers,
    backend: job.backend as BackendName | undefined,
  });
  const reply = (id: number, p: Promise<unknown>) =>
    p.then(
      (result) => send({ type: "reply", id, ok: true, result }),
      (err) => send({ type: "reply", id, ok: false, error: errorData(err) as ErrorData }),
    );
  process.on("message", (msg: ToHost) => {
    if (msg.type === "generate") void reply(msg.id, policy.generate(msg.request as GenerationRequest));
    else if (msg.type === "load") {
      void reply(
        msg.id,
        (async () => {
          const same = JSON.stringify(msg.model.config) === JSON.stringify(policy.config);
          if (same) await policy.setWeights({ hf: true, ...msg.model });
          else {
            await policy.dispose();
            policy = await ThreadPolicy.create(msg.model, {
              workers: job.workers,
              backend: job.backend as BackendName | undefined,
            });
          }
          return null;
        })(),
      );
    }
  });
  send({ type: "ready", workers: policy.workers });
}

if (require.main === module) {
  lowerPriority();
  process.on("disconnect", () => process.exit(0));
  // Ctrl-C in a terminal signals the whole process group: the control process decides what an interrupt does.
  process.on("SIGINT", () => {});
  process.once("message", (msg: ToHost) => {
    const start =
      msg.type === "run" ? startRun(msg.job) : msg.type === "generator" ? startGenerator(msg.job) : null;
    if (!start) {
      send({
        type: "failed",
        error: errorData(new Error(`worker process: unexpected first message ${msg.type}`)),
      });
      return;
    }
    start.catch((err) => {
      send({ type: "failed", error: errorData(err) });
    });
  });
}
