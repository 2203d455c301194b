// The files an admin picks for a new release: each bundle paired with the `.sig` the bundler
// wrote beside it, and the platform guessed from the bundle's name (the admin may change it).

/** The platforms the updater names, as the server knows them. */
export const PLATFORMS = [
  'linux-x86_64',
  'linux-aarch64',
  'windows-x86_64',
  'windows-aarch64',
  'darwin-aarch64',
  'darwin-x86_64',
] as const;

/** The platform a bundle's name says, or `null` when it says none. */
export function guessPlatform(name: string): string | null {
  const lower = name.toLowerCase();
  const arm = /aarch64|arm64/.test(lower);
  if (/\.(appimage|deb|rpm)(\.tar\.gz)?$/.test(lower)) return arm ? 'linux-aarch64' : 'linux-x86_64';
  if (/\.(msi|exe)(\.zip)?$/.test(lower)) return arm ? 'windows-aarch64' : 'windows-x86_64';
  if (/\.(app\.tar\.gz|dmg)$/.test(lower)) return /x64|x86_64|intel/.test(lower) ? 'darwin-x86_64' : 'darwin-aarch64';
  return null;
}

/** A bundle of the release: its file, its signature file (if picked), its platform. */
export interface PickedBundle<F extends { name: string }> {
  file: F;
  signature: F | null;
  platform: string | null;
}

/** Pairs the picked files: every file not ending in `.sig` is a bundle, and `NAME.sig` its
 * signature. Signatures whose bundle was not picked are returned apart. */
export function pairFiles<F extends { name: string }>(files: F[]): { bundles: PickedBundle<F>[]; stray: F[] } {
  const signatures = new Map(files.filter((f) => f.name.endsWith('.sig')).map((f) => [f.name.slice(0, -4), f]));
  const bundles = files
    .filter((f) => !f.name.endsWith('.sig'))
    .map((file) => {
      const signature = signatures.get(file.name) ?? null;
      signatures.delete(file.name);
      return { file, signature, platform: guessPlatform(file.name) };
    });
  return { bundles, stray: [...signatures.values()] };
}
