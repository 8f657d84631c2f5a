// Licences read from package.json: SPDX expressions, legacy forms, the permissive set.
import { describe, expect, it } from 'vitest';
import { LicenceParseError, isPermissive, packageLicence, parseSpdx } from '../../../training/corpus/licence';

describe('licence expressions', () => {
  it('accepts the permissive ids, case-insensitively, and rejects the others', () => {
    for (const id of ['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD', 'Unlicense', 'CC0-1.0', 'BlueOak-1.0.0', 'Python-2.0', 'mit', 'Apache-2.0+']) {
      expect(isPermissive(id), id).toBe(true);
    }
    for (const id of ['GPL-3.0', 'MPL-2.0', 'UNLICENSED', 'SEE LICENSE IN LICENSE.md', 'BSD', 'WTFPL', '', null]) {
      expect(isPermissive(id), String(id)).toBe(false);
    }
  });

  it('needs one permissive side of an OR and both sides of an AND', () => {
    expect(isPermissive('(MIT OR Apache-2.0)')).toBe(true);
    expect(isPermissive('(MIT OR GPL-3.0-only)')).toBe(true);
    expect(isPermissive('GPL-3.0-only OR MPL-2.0')).toBe(false);
    expect(isPermissive('MIT AND ISC')).toBe(true);
    expect(isPermissive('MIT AND GPL-3.0-only')).toBe(false);
    // AND binds tighter than OR.
    expect(isPermissive('GPL-3.0 OR MIT AND ISC')).toBe(true);
    expect(isPermissive('(GPL-3.0 OR MIT) AND CC-BY-4.0')).toBe(false);
  });

  it('judges a licence WITH an exception by the licence', () => {
    expect(isPermissive('Apache-2.0 WITH LLVM-exception')).toBe(true);
    expect(isPermissive('GPL-2.0 WITH Classpath-exception-2.0')).toBe(false);
  });

  it('knows a few unambiguous spellings and refuses broken expressions', () => {
    expect(isPermissive('Apache License, Version 2.0')).toBe(true);
    expect(isPermissive('MIT License')).toBe(true);
    expect(isPermissive('(MIT')).toBe(false);
    expect(() => parseSpdx('(MIT')).toThrow(LicenceParseError);
    expect(() => parseSpdx('MIT OR')).toThrow(LicenceParseError);
    expect(() => parseSpdx('MIT ISC')).toThrow(LicenceParseError);
  });
});

describe('packageLicence', () => {
  it('reads the license string, the legacy object and the legacy array (alternatives)', () => {
    expect(packageLicence({ license: '(MIT OR Apache-2.0)' })).toEqual({ expression: '(MIT OR Apache-2.0)', permissive: true });
    expect(packageLicence({ license: { type: 'ISC', url: 'x' } })).toEqual({ expression: 'ISC', permissive: true });
    expect(packageLicence({ licenses: [{ type: 'GPL-2.0' }, { type: 'MIT' }] })).toEqual({ expression: 'GPL-2.0 OR MIT', permissive: true });
    expect(packageLicence({ licenses: [{ type: 'GPL-2.0' }] })).toEqual({ expression: 'GPL-2.0', permissive: false });
    expect(packageLicence({ licenses: ['Apache License, Version 2.0', 'GPL-2.0'] }).permissive).toBe(true);
    expect(packageLicence({})).toEqual({ expression: null, permissive: false });
  });
});
