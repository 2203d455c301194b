// A list read page by page from the server ("Show more"), with its loading and error state.
import type { Page } from '../bindings';
import { ApiFailure } from './api';

export class Paged<T> {
  items = $state<T[]>([]);
  next = $state<string | null>(null);
  error = $state<string | null>(null);
  loading = $state(true);

  /** `fetch` reads one page: the first when `cursor` is undefined. */
  constructor(private readonly fetch: (cursor: string | undefined) => Promise<Page<T>>) {}

  /** Reads the first page again, or (`more`) the next one after what is shown. */
  async load(more = false): Promise<void> {
    this.loading = true;
    try {
      const page = await this.fetch(more ? (this.next ?? undefined) : undefined);
      this.items = more ? [...this.items, ...page.items] : page.items;
      this.next = page.next;
      this.error = null;
    } catch (e) {
      this.error = e instanceof ApiFailure ? e.message : String(e);
    } finally {
      this.loading = false;
    }
  }
}
