import { describe, expect, it } from 'vitest';
import { guessPlatform, pairFiles } from './releases';

describe('guessPlatform', () => {
  it('reads the system and architecture from the bundlers\' names', () => {
    expect(guessPlatform('Bellhop_0.2.0_amd64.AppImage')).toBe('linux-x86_64');
    expect(guessPlatform('Bellhop_0.2.0_aarch64.AppImage.tar.gz')).toBe('linux-aarch64');
    expect(guessPlatform('Bellhop_0.2.0_x64_en-US.msi')).toBe('windows-x86_64');
    expect(guessPlatform('Bellhop_0.2.0_arm64-setup.exe')).toBe('windows-aarch64');
    expect(guessPlatform('Bellhop.app.tar.gz')).toBe('darwin-aarch64');
    expect(guessPlatform('Bellhop_x64.app.tar.gz')).toBe('darwin-x86_64');
    expect(guessPlatform('notes.txt')).toBeNull();
  });
});

describe('pairFiles', () => {
  const f = (name: string) => ({ name });

  it('pairs each bundle with its .sig and keeps signatures without a bundle apart', () => {
    const { bundles, stray } = pairFiles([
      f('Bellhop_0.2.0_amd64.AppImage.sig'),
      f('Bellhop_0.2.0_amd64.AppImage'),
      f('Bellhop_0.2.0_x64_en-US.msi'),
      f('Bellhop_0.1.0_x64_en-US.msi.sig'),
    ]);
    expect(bundles.map((b) => [b.file.name, b.signature?.name ?? null, b.platform])).toEqual([
      ['Bellhop_0.2.0_amd64.AppImage', 'Bellhop_0.2.0_amd64.AppImage.sig', 'linux-x86_64'],
      ['Bellhop_0.2.0_x64_en-US.msi', null, 'windows-x86_64'],
    ]);
    expect(stray.map((s) => s.name)).toEqual(['Bellhop_0.1.0_x64_en-US.msi.sig']);
  });
});
