import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getConfig } from 'app-builder-lib/out/util/config/config.js';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

// Read as electron-builder reads it. A misspelt fuse shows as a key app-builder-lib does not know (the second test).
async function packagingConfig() {
  return getConfig(root, join(root, 'electron-builder.yml'), null);
}

/** The fuses app-builder-lib can flip (resetAdHocDarwinSignature is a signing step, not a fuse). */
function knownFuses(): string[] {
  const schemaPath = createRequire(import.meta.url).resolve('app-builder-lib/scheme.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { definitions: { FuseOptionsV1: { properties: object } } };
  return Object.keys(schema.definitions.FuseOptionsV1.properties).filter((name) => name !== 'resetAdHocDarwinSignature');
}

describe('Electron fuses in the packaging config', () => {
  it('sets each fuse: no Node entry points, file:// without extra privileges, cookies encrypted, asar only and checked', async () => {
    const { electronFuses } = await packagingConfig();
    expect(electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      grantFileProtocolExtraPrivileges: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });

  it('decides every fuse app-builder-lib supports, leaving none to its default', async () => {
    const { electronFuses } = await packagingConfig();
    expect(Object.keys(electronFuses ?? {}).sort()).toEqual(knownFuses().sort());
  });
});
