import { describe, expect, it } from 'vitest';
import { planPrerequisites, PREREQUISITES } from '../../../scripts/prerequisites.mjs';

const byName = (name: string) => {
  const found = PREREQUISITES.find((p) => p.name.includes(name));
  if (!found) throw new Error(`no prerequisite named ${name}`);
  return found;
};

describe('npm test prerequisites', () => {
  it('does nothing when everything is there', () => {
    expect(planPrerequisites({ missing: [], isRoot: false, hasApt: false, noApt: false })).toEqual({ action: 'none' });
  });

  it('installs every missing Debian package in one apt call as root', () => {
    const plan = planPrerequisites({ missing: [byName('Chromium'), byName('PyTorch')], isRoot: true, hasApt: true, noApt: false });
    expect(plan).toEqual({ action: 'install', packages: ['chromium', 'python3-torch'] });
  });

  it('asks with the exact command when it may not install, and stops for a required one', () => {
    const plan = planPrerequisites({ missing: [byName('Chromium'), byName('cmake')], isRoot: false, hasApt: true, noApt: false });
    expect(plan.action).toBe('ask');
    expect(plan.action === 'ask' && plan.message).toContain('sudo apt-get install chromium cmake g++ make');
    expect(plan.action === 'ask' && plan.message).toContain('end-to-end tests');
  });

  it('only warns for an optional one (its tests skip)', () => {
    const plan = planPrerequisites({ missing: [byName('PyTorch')], isRoot: false, hasApt: true, noApt: false });
    expect(plan.action).toBe('warn');
    expect(plan.action === 'warn' && plan.message).toContain('(optional)');
  });

  it('never installs when told not to, nor without apt', () => {
    expect(planPrerequisites({ missing: [byName('Chromium')], isRoot: true, hasApt: true, noApt: true }).action).toBe('ask');
    expect(planPrerequisites({ missing: [byName('Chromium')], isRoot: true, hasApt: false, noApt: false }).action).toBe('ask');
  });
});
