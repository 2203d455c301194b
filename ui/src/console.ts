// The technician console, served by bellhop-server at /console (browser only).
import { mount } from 'svelte';
import Console from './console/Console.svelte';
import { pick, setLanguage } from './i18n/index.svelte';
import { createConsoleApi } from './ipc/http';
import { LANGUAGE_KEY } from './lib/api';
import './app.css';

// Before sign-in: the language last chosen in this browser, else the browser's own.
setLanguage(pick([localStorage.getItem(LANGUAGE_KEY), ...navigator.languages]));

const target = document.getElementById('app');
if (target) mount(Console, { target, props: { api: createConsoleApi() } });
