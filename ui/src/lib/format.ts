// Words for states, shown as text as well as colour (status is never colour alone).
import type { Connectivity, DeviceStatus, OutboxState, Priority, TicketStatus } from '../bindings';
import { language, t } from '../i18n/index.svelte';

export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'awaiting_reply', 'resolved', 'closed'];
export const DEVICE_STATUSES: readonly DeviceStatus[] = ['pending', 'active', 'deactivated'];
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

/** A ticket status as the user sees it ("Awaiting your reply"), in the current language. */
export const statusLabel = (status: TicketStatus): string => t(`status.${status}`);
export const outboxLabel = (state: OutboxState): string => t(`outbox_state.${state}`);
export const connectivityLabel = (c: Connectivity): string => t(`connectivity.${c}`);
export const deviceLabel = (status: DeviceStatus): string => t(`device.${status}`);
export const priorityLabel = (priority: Priority): string => t(`priority.${priority}`);

/** "#1042" */
export function ticketNumber(n: number): string {
  return `#${n}`;
}

/** A date and time in the reader's language and time zone. */
export function when(iso: string, locale: string = language()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** Shortest password the server accepts (crates/proto: MIN_PASSWORD_CHARS). */
export const MIN_PASSWORD_CHARS = 10;

/** "1.2 MB" */
export function fileSize(bytes: number, locale: string = language()): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/** How long, in the largest two units and the reader's words: "3 days 4 hr", "5 h 12 min". */
export function duration(seconds: number, locale: string = language()): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const say = (value: number, unit: string) => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(value);
  if (d > 0) return `${say(d, 'day')} ${say(h, 'hour')}`;
  if (h > 0) return `${say(h, 'hour')} ${say(m, 'minute')}`;
  return say(m, 'minute');
}

/** Whether a device seen at `iso` counts as online: agents call at least once a minute. */
export function online(iso: string | null, now = Date.now()): boolean {
  if (!iso) return false;
  const at = new Date(iso).getTime();
  return !Number.isNaN(at) && now - at < 150_000;
}

/** The first word of a person's name, for a greeting ("Bob" of "Bob Baker"); the whole name when
 * it is one word. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] || name;
}
