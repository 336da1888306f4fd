/**
 * Import progress on stderr. On a terminal: one line redrawn at most ten times a second —
 * a bar (when the input's size is known), rows written and rows per second; messages are
 * printed above it. Otherwise nothing until the summary line, so logs stay clean.
 */

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export class ImportProgress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;
  private rows = 0;
  private bytes = 0;

  constructor(
    private readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    /** Input size in bytes, when known (a file); stdin's is not. */
    private readonly totalBytes: number | undefined,
  ) {}

  private get live(): boolean {
    return this.stderr.isTTY === true;
  }

  /** Seconds since the import started. */
  get elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  update(rows: number, bytes: number): void {
    this.rows = rows;
    this.bytes = bytes;
    if (!this.live) return;
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.draw();
  }

  /** Prints a message line (above the progress line on a terminal). */
  message(text: string): void {
    if (this.drawn) this.stderr.write('\r\x1b[K');
    this.stderr.write(`${text}\n`);
    if (this.drawn) this.draw();
  }

  /** Removes the progress line. */
  clear(): void {
    if (this.drawn) this.stderr.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(): void {
    const rate = this.rows / Math.max(this.elapsedSeconds, 1e-3);
    let line = '';
    if (this.totalBytes && this.totalBytes > 0) {
      const fraction = Math.min(1, this.bytes / this.totalBytes);
      const filled = Math.round(fraction * BAR_WIDTH);
      line += `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
    }
    line += `${formatCount(this.rows)} rows, ${formatCount(Math.round(rate))} rows/s`;
    const columns = this.stderr.columns ?? 0;
    const width = columns >= 20 ? columns : 80; // a pseudo-terminal may report 0 columns
    this.stderr.write(`\r${line.slice(0, width - 1)}\x1b[K`);
    this.drawn = true;
  }
}

/** 1234567 → "1,234,567" */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
