// The technician console, served by bellhop-server at /console (browser only).
import { mount } from 'svelte';
import Console from './console/Console.svelte';
import { createConsoleApi } from './ipc/http';
import './app.css';

const target = document.getElementById('app');
if (target) mount(Console, { target, props: { api: createConsoleApi() } });
