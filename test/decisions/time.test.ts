/** Ledger timestamps: one fixed-width form, and nothing that is not a real date gets in. */
import { expect } from 'chai';
import { toLedgerTimestamp } from '../../src/decisions/index.js';

describe('ledger timestamps', () => {
  it('keep a timestamp already in ledger form, and turn other RFC 3339 forms and dates into it', () => {
    expect(toLedgerTimestamp('2026-11-28T02:09:34.726038000Z')).to.equal('2026-11-28T02:09:34.726038000Z');
    expect(toLedgerTimestamp('2026-11-28T03:09:34.5+01:00')).to.equal('2026-11-28T02:09:34.500000000Z');
    expect(toLedgerTimestamp(new Date(Date.UTC(2025, 0, 1, 0, 0, 0, 7)))).to.equal('2025-01-01T00:00:00.007000000Z');
  });

  it('refuse a date that does not exist, in ledger form too, even right after valid ones', () => {
    // Valid timestamps of one second are remembered; an invalid one must still be caught.
    expect(toLedgerTimestamp('2026-02-28T10:00:00.000000001Z')).to.equal('2026-02-28T10:00:00.000000001Z');
    expect(toLedgerTimestamp('2026-02-28T10:00:00.000000002Z')).to.equal('2026-02-28T10:00:00.000000002Z');
    expect(() => toLedgerTimestamp('2026-02-30T10:00:00.000000001Z')).to.throw(RangeError);
    expect(() => toLedgerTimestamp('2026-13-01T00:00:00Z')).to.throw(RangeError);
    expect(() => toLedgerTimestamp('yesterday')).to.throw(RangeError, /RFC 3339/);
  });
});
