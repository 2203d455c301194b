import { mount } from 'svelte';
import App from './App.svelte';
import { createApi } from './ipc';
import './app.css';

const target = document.getElementById('app');
if (target) mount(App, { target, props: { api: createApi() } });
