import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { call, errorOf, makeCtx } from './helpers.js';

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const TS = 1703444325734390000n; // 2023-12-24T18:58:45.73439Z, a Sunday

describe('time builtins', () => {
  it('time.now_ns returns the query time, normalised', () => {
    const def = BUILTINS.get('time.now_ns')!;
    expect(def.nondeterministic).to.equal(true);
    expect(def.fn([], makeCtx(TS))).to.equal(TS);
    expect(def.fn([], makeCtx(5n))).to.equal(5);
  });

  describe('time.parse_ns', () => {
    it('parses Go reference layouts and named layouts', () => {
      expect(call('time.parse_ns', RFC3339, '2017-06-02T19:00:00-07:00')).to.equal(1496455200000000000n);
      expect(call('time.parse_ns', "01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700")).to.equal(1496455200000000000n);
      expect(call('time.parse_ns', '02 Jan 06 15:04 -0700', '02 Jun 17 19:00 -0700')).to.equal(1496455200000000000n);
      expect(call('time.parse_ns', 'RFC822Z', '02 Jun 17 19:00 -0700')).to.equal(1496455200000000000n);
      expect(call('time.parse_ns', '2006-01-02 15:04:05', '2015-09-05 23:56:04')).to.equal(1441497364000000000n);
      expect(call('time.parse_ns', '2006-01-02', '1970-01-02')).to.equal(86400000000000);
      expect(call('time.parse_ns', 'RFC1123', 'Mon, 02 Jan 2006 15:04:05 UTC')).to.equal(1136214245000000000n);
    });

    it('accepts the int64 extremes and rejects beyond them', () => {
      expect(call('time.parse_ns', RFC3339, '1677-09-21T00:12:43.145224192-00:00')).to.equal(-9223372036854775808n);
      expect(call('time.parse_ns', RFC3339, '2262-04-11T23:47:16.854775807-00:00')).to.equal(9223372036854775807n);
      expect(errorOf('time.parse_ns', RFC3339, '2262-04-11T23:47:16.854775808-00:00')).to.equal('time.parse_ns: time outside of valid range');
    });

    it('round-trips time.format with fractional seconds', () => {
      const layout = '2006-01-02T15:04:05.999999999';
      const text = call('time.format', [TS, 'UTC', layout]) as string;
      expect(call('time.parse_ns', layout, text)).to.equal(TS);
    });

    it("reports Go's parse errors", () => {
      expect(errorOf('time.parse_ns', '2006-01-02', '2021-02-30')).to.equal('time.parse_ns: parsing time "2021-02-30": day out of range');
      expect(errorOf('time.parse_ns', '2006-01-02', '2021-02-3x')).to.equal('time.parse_ns: parsing time "2021-02-3x" as "2006-01-02": cannot parse "3x" as "02"');
      expect(errorOf('time.parse_ns', '2006-01-02', '2021-02-03 x')).to.equal('time.parse_ns: parsing time "2021-02-03 x": extra text: " x"');
      expect(errorOf('time.parse_ns', '15:04', '25:00')).to.equal('time.parse_ns: parsing time "25:00": hour out of range');
      expect(errorOf('time.parse_ns', 1, 'x')).to.equal('time.parse_ns: operand 1 must be string but got number');
    });
  });

  it('time.parse_rfc3339_ns', () => {
    expect(call('time.parse_rfc3339_ns', '1985-04-12T23:20:50.52Z')).to.equal(482196050520000000n);
    expect(call('time.parse_rfc3339_ns', '1996-12-19T16:39:57-08:00')).to.equal(851042397000000000n);
    expect(errorOf('time.parse_rfc3339_ns', '1996-12-19')).to.match(/^time\.parse_rfc3339_ns: parsing time "1996-12-19" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"$/);
  });

  describe('time.parse_duration_ns', () => {
    it("follows Go's ParseDuration", () => {
      const cases: [string, number | bigint][] = [
        ['100ms', 100000000], ['1h6m13.3s20ms15µs1ns', 3973320015001], ['1.2h20.2ms15µs56ns', 4320020215056],
        ['45.67s123ms', 45793000000], ['15.000001ms', 15000001], ['0', 0], ['-5s', -5000000000], ['.5s', 500000000],
        ['5.s', 5000000000], ['007s', 7000000000], ['1us', 1000], ['2562047h47m16.854775807s', 9223372036854775807n],
        ['-2562047h47m16.854775808s', -9223372036854775808n],
      ];
      for (const [text, want] of cases) expect(call('time.parse_duration_ns', text), text).to.equal(want);
    });

    it('accepts the day, week and year units', () => {
      expect(call('time.parse_duration_ns', '1d2h30m')).to.equal(95400000000000);
      expect(call('time.parse_duration_ns', '2w')).to.equal(1209600000000000);
      expect(call('time.parse_duration_ns', '1y')).to.equal(31536000000000000n);
    });

    it("uses Go's error texts", () => {
      expect(errorOf('time.parse_duration_ns', 'xx1s')).to.equal('time.parse_duration_ns: time: invalid duration "xx1s"');
      expect(errorOf('time.parse_duration_ns', '1')).to.equal('time.parse_duration_ns: time: missing unit in duration "1"');
      expect(errorOf('time.parse_duration_ns', '1d2x')).to.equal('time.parse_duration_ns: time: unknown unit "x" in duration "1d2x"');
      expect(errorOf('time.parse_duration_ns', '')).to.equal('time.parse_duration_ns: time: invalid duration ""');
      expect(errorOf('time.parse_duration_ns', '10000000000000000000h')).to.equal('time.parse_duration_ns: time: invalid duration "10000000000000000000h"');
      expect(errorOf('time.parse_duration_ns', '2562047h47m16.854775808s')).to.equal('time.parse_duration_ns: time: invalid duration "2562047h47m16.854775808s"');
      expect(errorOf('time.parse_duration_ns', '3µ')).to.equal('time.parse_duration_ns: time: unknown unit "\\xc2\\xb5" in duration "3\\xc2\\xb5"');
    });
  });

  describe('time.format', () => {
    const ns = 1670006453141828752n;
    it('formats in UTC by default, in a zone, with a layout or a named layout', () => {
      expect(call('time.format', ns)).to.equal('2022-12-02T18:40:53.141828752Z');
      expect(call('time.format', [ns, 'Asia/Kolkata'])).to.equal('2022-12-03T00:10:53.141828752+05:30');
      expect(call('time.format', [ns, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006'])).to.equal('Sat Dec 03 00:10:53 +0530 2022');
      expect(call('time.format', [ns, 'Asia/Kolkata', 'RFC1123Z'])).to.equal('Sat, 03 Dec 2022 00:10:53 +0530');
      expect(call('time.format', [1257894000000000000n, '', '02/01/2006 15:04'])).to.equal('10/11/2009 23:00');
      expect(call('time.format', [ns, 'America/New_York', 'RFC1123'])).to.equal('Fri, 02 Dec 2022 13:40:53 EST');
      expect(call('time.format', [ns, 'UTC', 'ANSIC'])).to.equal('Fri Dec  2 18:40:53 2022');
      expect(call('time.format', [ns, 'UTC', '3:04pm .000 __2 002 January Monday'])).to.equal('6:40pm .141 336 336 December Friday');
    });

    it('rejects timestamps outside int64 and unknown zones', () => {
      expect(errorOf('time.format', 1.582977600e22)).to.equal('time.format: timestamp too big');
      expect(errorOf('time.format', [ns, 'Foo/Bar'])).to.equal('time.format: unknown time zone Foo/Bar');
      expect(errorOf('time.format', 'x')).to.equal('time.format: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string');
    });
  });

  it('time.date, time.clock and time.weekday honour zones', () => {
    expect(call('time.date', [1517814000000000000n, 'America/Los_Angeles'])).to.deep.equal([2018, 2, 4]);
    expect(call('time.date', [1517832000000000000n, ''])).to.deep.equal([2018, 2, 5]);
    expect(call('time.date', TS)).to.deep.equal([2023, 12, 24]);
    expect(call('time.clock', 1517832000000000000n)).to.deep.equal([12, 0, 0]);
    expect(call('time.clock', [TS, 'CET'])).to.deep.equal([19, 58, 45]);
    expect(call('time.clock', [TS, 'Local'])).to.be.an('array').with.length(3);
    expect(errorOf('time.clock', 1582977600000000000000n)).to.equal('time.clock: timestamp too big');
    expect(call('time.weekday', 1518004800000000000n)).to.equal('Wednesday');
    expect(call('time.weekday', [1257894000000000000n, ''])).to.equal('Tuesday');
    expect(call('time.date', -1)).to.deep.equal([1969, 12, 31]);
  });

  describe('time.add_date', () => {
    it("normalises out-of-range months and days as Go's Date does", () => {
      expect(call('time.add_date', 1585852421593912000n, 3, 9, 12)).to.equal(1705257221593912000n);
      expect(call('time.add_date', 1585852421593912000n, -1, -1, -1)).to.equal(1551465221593912000n);
      expect(call('time.add_date', TS, 10, 14, 75)).to.equal(2062436325734390000n);
      expect(call('time.add_date', TS, -10, -14, -75)).to.equal(1344625125734390000n);
      expect(call('time.add_date', TS, -60, 0, 0)).to.equal(-190011674265610000n);
      // 2024-01-31 + 1 month = "2024-02-31" = 2024-03-02
      const jan31 = call('time.parse_ns', '2006-01-02', '2024-01-31')!;
      expect(call('time.add_date', jan31, 0, 1, 0)).to.equal(call('time.parse_ns', '2006-01-02', '2024-03-02'));
    });

    it('fails outside the valid range', () => {
      expect(errorOf('time.add_date', 0, 2262, 1, 1)).to.equal('time.add_date: time outside of valid range');
      expect(errorOf('time.add_date', -9223372036854775808n, 0, 0, -1)).to.equal('time.add_date: time outside of valid range');
      expect(errorOf('time.add_date', TS, 2147483647, 0, 0)).to.equal('time.add_date: time outside of valid range');
      expect(errorOf('time.add_date', TS, 1.5, 0, 0)).to.equal('time.add_date: operand 2 must be integer number but got floating-point number');
    });
  });

  it('time.diff', () => {
    expect(call('time.diff', TS, 1257894000000000000n)).to.deep.equal([14, 1, 13, 19, 58, 45]);
    expect(call('time.diff', 1257894000000000000n, [TS, 'UTC'])).to.deep.equal([14, 1, 13, 19, 58, 45]);
    const feb2 = call('time.parse_ns', '2006-01-02', '2020-02-02')!;
    const mar1 = call('time.parse_ns', '2006-01-02', '2020-03-01')!;
    expect(call('time.diff', feb2, mar1)).to.deep.equal([0, 0, 28, 0, 0, 0]);
  });
});
