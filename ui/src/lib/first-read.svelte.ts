// A page's first read of what it shows: until it arrives the page draws a skeleton; if it fails
// before anything was read, the page says why with a way to try again, rather than passing for
// "nothing here". A later read that fails (after a save, say) leaves what is shown in place and
// goes to the page's own error line.
import { ApiFailure } from './api';

/** Words for a failed call: the server's (or the app's) message, else the error itself. */
export function failureText(e: unknown): string {
  return e instanceof ApiFailure ? e.message : String(e);
}

export class FirstRead {
  /** Something was read at least once. */
  done = $state(false);
  /** Why the first read failed; null while it has not, or while it is tried again. */
  failed = $state<string | null>(null);

  /** Runs `read`. Before the first success its failure lands in `failed`; after it, in `later`. */
  async run(read: () => Promise<void>, later: (message: string) => void): Promise<void> {
    if (!this.done) this.failed = null;
    try {
      await read();
      this.done = true;
    } catch (e) {
      if (this.done) later(failureText(e));
      else this.failed = failureText(e);
    }
  }
}
