import { mount } from 'svelte';
import App from './App.svelte';
import { pick, setLanguage } from './i18n/index.svelte';
import { createApi } from './ipc';
import { LANGUAGE_KEY } from './lib/api';
import { markLinux } from './lib/platform';
import './app.css';

// Where the first render's time goes (read by the benchmark with the first-render mark).
performance.mark('bellhop:script');
markLinux(document.documentElement, navigator.userAgent);
const api = createApi();
// The language before the first render, so nothing flashes in English: the desktop app's choice
// (kept by the agent), or the browser's last choice, else the reader's preferences.
const stored = api.kind === 'desktop' ? await api.language().catch(() => null) : localStorage.getItem(LANGUAGE_KEY);
setLanguage(pick([stored, ...navigator.languages]));
performance.mark('bellhop:language');

const target = document.getElementById('app');
if (target) {
  mount(App, { target, props: { api } });
  // The first frame with the app in it: what the first-render benchmark reads (BENCHMARKS.md).
  requestAnimationFrame(() => {
    performance.mark('bellhop:first-render');
    // Once that frame is on screen (a task after the frame), the shell may do its start-up work.
    if (api.kind === 'desktop') setTimeout(() => void api.rendered().catch(() => undefined), 0);
  });
}
