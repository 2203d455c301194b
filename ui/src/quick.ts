// The quick-ticket window's own page (the desktop app keeps it ready for the hotkey): only the
// form's code, not the portal's, so the web process that waits for the hotkey holds less
// (BENCHMARKS.md, idle memory with the window kept ready).
import { mount } from 'svelte';
import { pick, setLanguage } from './i18n/index.svelte';
import { createTauriApi } from './ipc/tauri';
import { markLinux } from './lib/platform';
import QuickTicket from './views/QuickTicket.svelte';
import './app.css';

markLinux(document.documentElement, navigator.userAgent);
const api = createTauriApi();
setLanguage(pick([await api.language().catch(() => null), ...navigator.languages]));
const target = document.getElementById('app');
if (target) mount(QuickTicket, { target, props: { api } });
