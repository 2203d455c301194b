// Picks the transport for where the bundle runs.
import type { Api } from '../lib/api';
import { TOKEN_KEY, createHttpApi } from './http';
import { createTauriApi, insideTauri } from './tauri';

export function createApi(): Api {
  if (insideTauri()) return createTauriApi();
  // A technician's read-only look at a customer's portal lives in its own tab (session storage),
  // never in place of this browser's own sign-in.
  const look = location.hash.startsWith('#/view-as') || sessionStorage.getItem(TOKEN_KEY) !== null;
  return createHttpApi('', look ? sessionStorage : localStorage);
}
