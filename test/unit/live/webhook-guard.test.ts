import { describe, expect, it } from 'vitest';
import { checkWebhookTarget, embeddedV4, isPrivateAddress } from '../../../src/live/alerts/webhook-guard.js';

describe('webhook guard', () => {
  it.each([
    '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe', '2002:c0a8:0101::1', '2001:db8::1', 'fe80::1%eth0',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1'])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('finds IPv4 inside IPv6 forms', () => {
    expect(embeddedV4('::ffff:192.168.0.1')).toBe('192.168.0.1');
    expect(embeddedV4('64:ff9b::0a00:0001')).toBe('10.0.0.1');
    expect(embeddedV4('2606:4700::1')).toBeNull();
  });

  it('checks URLs: scheme, credentials, and every resolved address unless allowed', async () => {
    await expect(checkWebhookTarget('ftp://example.com/', { allowPrivate: false })).rejects.toThrow(/http or https/);
    await expect(checkWebhookTarget('https://u:p@example.com/', { allowPrivate: false })).rejects.toThrow(/credentials/);
    await expect(checkWebhookTarget('http://localhost:8080/', { allowPrivate: false })).rejects.toThrow(/TALLY_WEBHOOK_ALLOW_PRIVATE/);
    await expect(checkWebhookTarget('http://[::1]:8080/', { allowPrivate: false })).rejects.toThrow(/::1/);
    const allowed = await checkWebhookTarget('http://127.0.0.1:8080/hook', { allowPrivate: true });
    expect(allowed).toMatchObject({ address: '127.0.0.1', family: 4 });
  });
});
