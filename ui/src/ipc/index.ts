// Picks the transport for where the bundle runs.
import type { Api } from '../lib/api';
import { createHttpApi } from './http';
import { createTauriApi, insideTauri } from './tauri';

export function createApi(): Api {
  return insideTauri() ? createTauriApi() : createHttpApi();
}
