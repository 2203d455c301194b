// The technician console's words: catalogs of their own (./console/*.json, English the
// reference), added to the shared i18next instance only by the console's bundle. The language is
// the portal's: one switch changes both catalogs' strings, dates and numbers.
import type { TicketStatus } from '../bindings';
import { addCatalogs, translate, type Keys, type Language } from './index.svelte';
import de from './console/de.json';
import en from './console/en.json';
import es from './console/es.json';
import fr from './console/fr.json';
import it from './console/it.json';
import ru from './console/ru.json';

export const CONSOLE_CATALOGS: Record<Language, typeof en> = { en, fr, de, es, it, ru };

addCatalogs('console', CONSOLE_CATALOGS);

export type ConsoleKey = Keys<typeof en>;

/** A console message in the current language; `count` picks the plural form. */
export function ct(key: ConsoleKey, values?: Record<string, string | number>): string {
  return translate('console', key, values);
}

/** A ticket status in the desk's words ("Awaiting customer"; the portal says "your reply"). */
export const deskStatusLabel = (status: TicketStatus): string => ct(`desk_status.${status}`);
