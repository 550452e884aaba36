/** Data retention: configuration (config/retention.ts) and the policy it gives (domain/retention.ts). */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { RetentionPolicy } from '../../../src/domain/retention.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 24);

describe('retention configuration', () => {
  it('keeps everything by default', () => {
    const { retention } = loadConfig({});
    expect(retention).toEqual({ defaultDays: 0, orgDays: {}, sweepIntervalSeconds: 3600 });
    const policy = new RetentionPolicy(retention);
    expect(policy.enabled).toBe(false);
    expect(policy.oldestAllowed('acme', NOW)).toBeNull();
    expect(policy.latestCutoff(NOW)).toBeNull();
  });

  it('reads days for every org, per-org overrides (pairs or JSON) and the sweep interval', () => {
    const pairs = loadConfig({ TALLY_RETENTION_DAYS: '365', TALLY_RETENTION_ORGS: 'acme:30, archive:0', TALLY_RETENTION_SWEEP_SECONDS: '600' }).retention;
    expect(pairs).toEqual({ defaultDays: 365, orgDays: { acme: 30, archive: 0 }, sweepIntervalSeconds: 600 });
    expect(loadConfig({ TALLY_RETENTION_ORGS: '{"acme": 30}' }).retention.orgDays).toEqual({ acme: 30 });
    const policy = new RetentionPolicy(pairs);
    expect(policy.oldestAllowed('acme', NOW)).toEqual({ time: NOW - 30 * DAY, days: 30 });
    expect(policy.oldestAllowed('other', NOW)).toEqual({ time: NOW - 365 * DAY, days: 365 });
    expect(policy.oldestAllowed('archive', NOW)).toBeNull();
    // The sweep looks at orgs with anything older than the shortest retention.
    expect(policy.latestCutoff(NOW)).toBe(NOW - 30 * DAY);
    // One org with a limit is enough to sweep.
    expect(new RetentionPolicy({ defaultDays: 0, orgDays: { acme: 10 } }).enabled).toBe(true);
  });

  it.each([
    ['TALLY_RETENTION_DAYS', '-1'],
    ['TALLY_RETENTION_DAYS', '36501'],
    ['TALLY_RETENTION_ORGS', 'acme'],
    ['TALLY_RETENTION_ORGS', 'acme:ninety'],
    ['TALLY_RETENTION_ORGS', ':30'],
    ['TALLY_RETENTION_SWEEP_SECONDS', '1'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(name));
  });
});
