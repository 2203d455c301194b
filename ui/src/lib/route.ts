// Hash routes, so the same bundle works from a file-less custom protocol and a plain web server.

export type Route =
  | { name: 'tickets' }
  | { name: 'ticket'; id: string }
  | { name: 'new' }
  | { name: 'outbox' }
  | { name: 'settings' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'tickets' && parts[1] && UUID.test(parts[1])) return { name: 'ticket', id: parts[1] };
  if (parts[0] === 'new') return { name: 'new' };
  if (parts[0] === 'outbox') return { name: 'outbox' };
  if (parts[0] === 'settings') return { name: 'settings' };
  return { name: 'tickets' };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'ticket':
      return `#/tickets/${route.id}`;
    case 'tickets':
      return '#/tickets';
    default:
      return `#/${route.name}`;
  }
}
