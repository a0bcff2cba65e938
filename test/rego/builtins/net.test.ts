import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { RObject, RSet } from '../../../src/rego/value.js';
import { call, errorOf } from './helpers.js';

const members = (v: unknown) => (v as RSet).values();

describe('net builtins', () => {
  it('net.cidr_contains with addresses and networks, IPv4 and IPv6', () => {
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3')).to.equal(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/16')).to.equal(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '11.1.0.0/16')).to.equal(false);
    expect(call('net.cidr_contains', '2001:db8::/32', '2001:db8::1')).to.equal(true);
    expect(call('net.cidr_contains', '2001:db8::/32', '2001:db9::/48')).to.equal(false);
    expect(call('net.cidr_contains', '::/0', '1.2.3.4')).to.equal(false);
    expect(call('net.cidr_contains', '::ffff:1.2.3.0/120', '1.2.3.4')).to.equal(true);
  });

  it('reports invalid operands as OPA does', () => {
    expect(errorOf('net.cidr_contains', '10.0.0.0/8', 'x')).to.equal('net.cidr_contains: not a valid textual representation of an IP address or CIDR: x');
    expect(errorOf('net.cidr_contains', 'x', '1.2.3.4')).to.equal('net.cidr_contains: invalid CIDR address: x');
    expect(errorOf('net.cidr_intersects', '10.0.0.0/8', 1)).to.equal('net.cidr_intersects: operand 1 must be string but got number');
  });

  it('net.cidr_intersects', () => {
    expect(call('net.cidr_intersects', '192.168.0.0/16', '192.168.1.0/24')).to.equal(true);
    expect(call('net.cidr_intersects', '192.168.0.0/16', '10.0.0.0/8')).to.equal(false);
    expect(call('net.cidr_intersects', 'fd1e:5bfe:8af3:9ddc::/64', 'fd1e:5bfe:8af3:9ddc:1::/80')).to.equal(true);
  });

  it('net.cidr_expand', () => {
    expect(members(call('net.cidr_expand', '192.168.1.0/30'))).to.deep.equal(['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3']);
    expect(members(call('net.cidr_expand', '2001:db8::/127'))).to.deep.equal(['2001:db8::', '2001:db8::1']);
    expect(errorOf('net.cidr_expand', '1.2.3.4')).to.equal('net.cidr_expand: invalid CIDR address: 1.2.3.4');
  });

  it('net.cidr_merge', () => {
    expect(members(call('net.cidr_merge', ['192.0.128.0/24', '192.0.129.0/24']))).to.deep.equal(['192.0.128.0/23']);
    expect(members(call('net.cidr_merge', new RSet(['1.2.3.4/32', '1.2.3.5/32', '1.2.3.6/32'])))).to.deep.equal(['1.2.3.4/31', '1.2.3.6/32']);
    expect(members(call('net.cidr_merge', ['2001:db8::/33', '2001:db8:8000::/33']))).to.deep.equal(['2001:db8::/32']);
    expect(members(call('net.cidr_merge', ['10.0.0.0/8', '10.1.0.0/16']))).to.deep.equal(['10.0.0.0/8']);
    expect(errorOf('net.cidr_merge', ['::1'])).to.equal('net.cidr_merge: IPv6 invalid: needs prefix length');
    expect(errorOf('net.cidr_merge', [1])).to.equal('net.cidr_merge: element must be string');
  });

  it('net.cidr_contains_matches indexes matches by position, member or key', () => {
    expect(members(call('net.cidr_contains_matches', ['1.0.0.0/8', ['2.0.0.0/8', 'x']], new RSet(['1.2.3.4', '2.2.2.2']))))
      .to.deep.equal([[0, '1.2.3.4'], [1, '2.2.2.2']]);
    expect(members(call('net.cidr_contains_matches', '1.0.0.0/8', RObject.fromEntries([['k', '1.1.1.1']])))).to.deep.equal([['1.0.0.0/8', 'k']]);
    expect(errorOf('net.cidr_contains_matches', [[]], '1.1.1.1')).to.equal('net.cidr_contains_matches: operand 1: element must be string or non-empty array');
  });

  it('net.cidr_is_valid', () => {
    expect(call('net.cidr_is_valid', '10.0.0.0/8')).to.equal(true);
    expect(call('net.cidr_is_valid', '::1/128')).to.equal(true);
    expect(call('net.cidr_is_valid', '10.0.0.0/33')).to.equal(false);
    expect(call('net.cidr_is_valid', '10.0.0.01/8')).to.equal(false);
    expect(call('net.cidr_is_valid', '1::2::3/64')).to.equal(false);
    expect(call('net.cidr_is_valid', 7)).to.equal(false);
  });

  it('does not offer net.lookup_ip_addr (no network at evaluation time)', () => {
    expect(BUILTINS.has('net.lookup_ip_addr')).to.equal(false);
  });
});
