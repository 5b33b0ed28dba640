import { checkBinding } from '../../src/lifecycle/binding';
import { resolveClientAddress } from '../../src/lifecycle/client-address';

describe('client address', () => {
  it('uses the socket peer when no proxy is trusted, ignoring X-Forwarded-For', () => {
    expect(resolveClientAddress('::ffff:10.1.2.3', '192.168.9.9', [])).toEqual({ ip: '10.1.2.3', via: 'socket' });
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(resolveClientAddress('10.9.9.9', '192.168.1.5', ['10.0.0.1/32'])).toEqual({ ip: '10.9.9.9', via: 'socket' });
  });

  it('takes the last X-Forwarded-For entry (the one the trusted proxy appended), not the leftmost', () => {
    const r = resolveClientAddress('10.0.0.1', ['203.0.113.7, 192.168.1.5', '192.168.1.6:51234'], ['10.0.0.0/24']);
    expect(r).toEqual({ ip: '192.168.1.6', via: 'x-forwarded-for' });
  });

  it('understands bracketed IPv6 entries with ports', () => {
    expect(resolveClientAddress('127.0.0.1', '[fd00::5]:443', ['127.0.0.1']).ip).toBe('fd00::5');
  });

  it('falls back to the proxy address (which fails any endpoint binding) when the entry is garbage', () => {
    expect(resolveClientAddress('127.0.0.1', 'not-an-ip', ['127.0.0.1'])).toEqual({ ip: '127.0.0.1', via: 'socket' });
  });
});

describe('secret-ID CIDR binding', () => {
  it('allows an address inside one of the metadata CIDRs', () => {
    expect(checkBinding({ cidr: '10.0.0.0/8,192.168.1.0/24' }, '192.168.1.77', { requireCidr: false })).toMatchObject({ ok: true });
  });

  it('refuses an address outside them', () => {
    expect(checkBinding({ cidr: '10.0.0.0/8' }, '192.168.1.77', { requireCidr: false })).toMatchObject({ ok: false, reason: 'outside-cidr' });
  });

  it('treats a bare address as /32', () => {
    expect(checkBinding({ cidr: '127.0.0.1' }, '127.0.0.2', { requireCidr: false })).toMatchObject({ ok: false });
    expect(checkBinding({ cidr: '127.0.0.1' }, '127.0.0.1', { requireCidr: false })).toMatchObject({ ok: true });
  });

  it('fails closed on a binding it cannot read', () => {
    expect(checkBinding({ cidr: '10.0.0.0/99' }, '10.0.0.1', { requireCidr: false })).toMatchObject({ ok: false, reason: 'malformed-binding' });
  });

  it('allows an unbound secret ID unless the config requires a binding', () => {
    expect(checkBinding({ computer_id: '12' }, '10.0.0.1', { requireCidr: false })).toMatchObject({ ok: true });
    expect(checkBinding({ computer_id: '12' }, '10.0.0.1', { requireCidr: true })).toMatchObject({ ok: false, reason: 'no-binding' });
  });
});
