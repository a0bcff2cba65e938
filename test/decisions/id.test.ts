import { expect } from 'chai';
import { decisionIds, newDecisionId } from '../../src/decisions/index.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds a UUIDv7 carries in its first 48 bits. */
const timeOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('decision ids', () => {
  it('are UUIDs of version 7 carrying the time they were made', () => {
    const before = Date.now();
    const id = newDecisionId();
    const after = Date.now();
    expect(id).to.match(V7);
    expect(timeOf(id)).to.be.within(before, after + 1);
    expect(timeOf(decisionIds()(Date.UTC(2030, 0, 1)))).to.equal(Date.UTC(2030, 0, 1));
  });

  it('sort in the order they were made, also many within one millisecond, and never repeat', () => {
    const next = decisionIds();
    const ms = Date.UTC(2031, 5, 1);
    const ids = [
      ...Array.from({ length: 5000 }, () => next(ms)), // more than the counter holds: they borrow the next milliseconds
      ...Array.from({ length: 1000 }, (_, i) => next(ms + 10 + Math.floor(i / 100))),
      next(ms - 60_000), // the clock went back a minute
      ...Array.from({ length: 20000 }, (_, i) => next(ms + 20 + Math.floor(i / 50))),
    ];
    for (const id of ids) expect(id).to.match(V7);
    expect([...ids].sort()).to.deep.equal(ids);
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
