import cliProgress from "cli-progress";

/** One unit of long work (a download, an extraction) as the CLI shows it. */
export interface ProgressTask {
  update(done: number, total?: number): void;
  finish(): void;
}

/** Where commands report long work; bars on a terminal, nothing otherwise. */
export interface ProgressSink {
  task(label: string, total?: number): ProgressTask;
  /** Removes the bars; call before printing the command's output. */
  stop(): void;
}

const SILENT_TASK: ProgressTask = { update() {}, finish() {} };

/** A sink that shows nothing: for `--json`, pipes, CI logs and tests. */
export const silentProgress: ProgressSink = { task: () => SILENT_TASK, stop() {} };

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Bars on `stream` (a terminal): one per task while it runs, removed when it
 * finishes, so a long install shows what is in flight without scrolling.
 */
export function terminalProgress(stream: NodeJS.WriteStream): ProgressSink {
  const bars = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: true,
      hideCursor: true,
      fps: 8,
      format: " {label} [{bar}] {percentage}% {size}",
      barsize: 24,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    task(label, total) {
      const bar = bars.create(total ?? 1, 0, { label: label.padEnd(40).slice(0, 40), size: "" });
      let finished = false;
      return {
        update(done, newTotal) {
          if (finished) return;
          if (newTotal !== undefined && newTotal > 0) bar.setTotal(newTotal);
          bar.update(done, { size: formatBytes(done) });
        },
        finish() {
          if (finished) return;
          finished = true;
          bars.remove(bar);
        },
      };
    },
    stop() {
      bars.stop();
    },
  };
}
