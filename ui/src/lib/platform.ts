// Linux desktops (not Android) get their own font stack (app.css, `:root[data-os='linux']`);
// each entry page calls this before anything is laid out.
export function markLinux(root: { dataset: DOMStringMap }, userAgent: string): void {
  if (/Linux/.test(userAgent) && !/Android/.test(userAgent)) root.dataset.os = 'linux';
}
