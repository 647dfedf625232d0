import { Bytes, type ByteFormat, Cpu, Duration, QuantityError } from '../../src/plan/quantity';
import { mulberry32 } from '../../src/recommend/dataset';

describe('Cpu', () => {
  it.each([
    ['2000m', '2', 2000],
    ['0.5', '500m', 500],
    ['1.5', '1500m', 1500],
    ['1.25', '1250m', 1250],
    ['500m', '500m', 500],
    ['2', '2', 2000],
    ['0', '0', 0],
    ['0.001', '1m', 1],
  ])('parses %j to the canonical form %j (%i millicores)', (input, canonical, millicores) => {
    const cpu = Cpu.parse(input);
    expect(cpu.millicores).toBe(millicores);
    expect(cpu.toString()).toBe(canonical);
    expect(JSON.stringify({ cpu })).toBe(`{"cpu":"${canonical}"}`);
  });

  it.each([
    [2, '2'],
    [0.5, '500m'],
    [31, '31'],
    [0.25, '250m'],
  ])('parses the YAML number %p as %j', (input, canonical) => {
    expect(Cpu.parse(input).toString()).toBe(canonical);
  });

  it('rounds wholeCores up: 1500m needs 2 whole cores, 2000m exactly 2, 1m one', () => {
    expect(Cpu.parse('1500m').wholeCores).toBe(2);
    expect(Cpu.parse('2000m').wholeCores).toBe(2);
    expect(Cpu.parse('1m').wholeCores).toBe(1);
    expect(Cpu.parse('1500m').cores).toBe(1.5);
  });

  it.each(['4 cores', '-1', '1e3', '0.0005', ' 2', '2 ', '2.5m', '', 'm', '1.m', '.5', '2Gi', '0x10'])(
    'rejects the string %j with a QuantityError',
    (input) => {
      expect(() => Cpu.parse(input)).toThrow(QuantityError);
    },
  );

  it.each([-1, 0.0005, 1e21, Number.NaN, Number.POSITIVE_INFINITY, 1e-7])('rejects the YAML number %p', (input) => {
    expect(() => Cpu.parse(input)).toThrow(QuantityError);
  });

  it('names the rejected input in the error', () => {
    expect(() => Cpu.parse('4 cores')).toThrow('got "4 cores"');
  });

  it('names NaN and Infinity as such, not as JSON prints them (null)', () => {
    expect(() => Cpu.parse(Number.NaN)).toThrow(/got NaN$/);
    expect(() => Cpu.parse(Number.POSITIVE_INFINITY)).toThrow(/got Infinity$/);
    expect(() => Bytes.parse(Number.NaN)).toThrow(/got NaN$/);
  });

  it('keeps sums and products canonical', () => {
    expect(Cpu.parse('500m').plus(Cpu.parse('1500m')).toString()).toBe('2');
    expect(Cpu.parse('1500m').times(2).toString()).toBe('3');
    expect(Cpu.parse('2').times(0.25).toString()).toBe('500m');
    expect(Cpu.parse('100m').times(1.1).toString()).toBe('110m');
    // Rounds up to a whole millicore, never down.
    expect(Cpu.parse('1m').times(1.5).toString()).toBe('2m');
  });

  it('compares equal amounts written differently', () => {
    expect(Cpu.parse('2').equals(Cpu.parse('2000m'))).toBe(true);
    expect(Cpu.parse(0.5).equals(Cpu.parse('500m'))).toBe(true);
    expect(Cpu.parse('2').equals(Cpu.parse('2001m'))).toBe(false);
    expect(Cpu.parse('2').compare(Cpu.parse('1999m'))).toBeGreaterThan(0);
    expect(Cpu.parse('1').compare(Cpu.parse('1001m'))).toBeLessThan(0);
  });

  it('refuses a fractional or negative millicore count', () => {
    expect(() => Cpu.millis(1.5)).toThrow(QuantityError);
    expect(() => Cpu.millis(-1)).toThrow(QuantityError);
    expect(Cpu.cores(1.5).toString()).toBe('1500m');
  });
});

describe('Bytes', () => {
  it.each([
    ['2048Mi', '2Gi', 2 * 1024 ** 3],
    ['1536Mi', '1536Mi', 1536 * 1024 ** 2],
    ['1000M', '1G', 1e9],
    ['1.5Gi', '1536Mi', 1.5 * 1024 ** 3],
    ['16Gi', '16Gi', 17179869184],
    ['40G', '40G', 40e9],
    ['1024Ki', '1Mi', 1024 ** 2],
    ['1024', '1024', 1024],
    ['1000', '1k', 1000],
    ['0', '0', 0],
    ['0Gi', '0', 0],
    ['1.5k', '1500', 1500],
    ['2.5Mi', '2560Ki', 2.5 * 1024 ** 2],
    ['1Pi', '1Pi', 1024 ** 5],
  ])('parses %j to the canonical form %j (%i bytes)', (input, canonical, bytes) => {
    const b = Bytes.parse(input);
    expect(b.bytes).toBe(bytes);
    expect(b.toString()).toBe(canonical);
    expect(JSON.stringify({ b })).toBe(`{"b":"${canonical}"}`);
  });

  it('keeps the suffix family it was written in', () => {
    expect(Bytes.parse('16Gi').format).toBe('binary');
    expect(Bytes.parse('16G').format).toBe('decimal');
    expect(Bytes.parse('16').format).toBe('decimal');
    expect(Bytes.parse('16Gi').gibibytes).toBe(16);
    expect(Bytes.parse('512Mi').mebibytes).toBe(512);
  });

  it('reads a YAML number as a count of bytes', () => {
    expect(Bytes.parse(1024).bytes).toBe(1024);
    expect(Bytes.parse(0).toString()).toBe('0');
    expect(Bytes.parse(2000000).toString()).toBe('2M');
  });

  it.each(['16GB', '-1', '16 Gi', '1e9', '0.5', 'Gi', ' 1Gi', '1Gi ', '1gi', '1K', '1.5', '0.1Ki', '1Ei', '', '1..5Gi'])(
    'rejects the string %j with a QuantityError',
    (input) => {
      expect(() => Bytes.parse(input)).toThrow(QuantityError);
    },
  );

  it.each([-1, 0.5, 1e21, Number.NaN])('rejects the YAML number %p', (input) => {
    expect(() => Bytes.parse(input)).toThrow(QuantityError);
  });

  it('says why half a byte is refused', () => {
    expect(() => Bytes.parse('0.5')).toThrow('"0.5" is not a whole number of bytes');
  });

  it('refuses amounts too large to count exactly', () => {
    expect(() => Bytes.parse('10Pi')).toThrow('too large');
  });

  it('keeps sums and products canonical, in the family of the left operand', () => {
    expect(Bytes.parse('1Gi').plus(Bytes.parse('512Mi')).toString()).toBe('1536Mi');
    expect(Bytes.parse('1536Mi').plus(Bytes.parse('512Mi')).toString()).toBe('2Gi');
    expect(Bytes.parse('1G').plus(Bytes.parse('500M')).toString()).toBe('1500M');
    expect(Bytes.parse('512Mi').times(4).toString()).toBe('2Gi');
    expect(Bytes.parse('16Gi').times(0.5).toString()).toBe('8Gi');
    expect(Bytes.parse('10G').times(1.1).toString()).toBe('11G');
    // Products round up to a whole byte.
    expect(Bytes.parse('3').times(0.5).bytes).toBe(2);
  });

  it('compares equal amounts written differently', () => {
    expect(Bytes.parse('2Gi').equals(Bytes.parse('2048Mi'))).toBe(true);
    expect(Bytes.parse('1Mi').equals(Bytes.parse('1048576'))).toBe(true);
    expect(Bytes.parse('1G').equals(Bytes.parse('1Gi'))).toBe(false);
    expect(Bytes.parse('1Gi').compare(Bytes.parse('1G'))).toBeGreaterThan(0);
    expect(Bytes.parse('9000M').compare(Bytes.parse('8Gi'))).toBeGreaterThan(0);
  });

  it('prints a binary amount that no binary suffix divides in a form that reads back unchanged', () => {
    // A bare number reads back as decimal, so binary 3000 bytes print as 3k, not 3000.
    expect(Bytes.of(3000, 'binary').toString()).toBe('3k');
    expect(Bytes.parse(Bytes.of(3000, 'binary').toString()).toString()).toBe('3k');
    expect(Bytes.of(1500, 'binary').toString()).toBe('1500');
    expect(Bytes.parse('1Gi').plus(Bytes.parse('1G')).toString()).toBe('2073741824');
    expect(Bytes.of(3072, 'binary').toString()).toBe('3Ki');
  });

  it('builds amounts from binary units', () => {
    expect(Bytes.gibibytes(1.5).toString()).toBe('1536Mi');
    expect(Bytes.mebibytes(512).toString()).toBe('512Mi');
    expect(Bytes.kibibytes(4).toString()).toBe('4Ki');
    expect(() => Bytes.of(-1)).toThrow(QuantityError);
    expect(() => Bytes.of(1.5)).toThrow(QuantityError);
  });
});


describe('Bytes canonical form (property)', () => {
  const next = mulberry32(0x50a4);
  const int = (below: number) => Math.floor(next() * below);
  /** Unit sizes of both families, so each family also sees amounts the other family divides. */
  const units = [1, 1000, 1024, 1000 ** 2, 1024 ** 2, 1000 ** 3, 1024 ** 3, 1000 ** 4, 1024 ** 4, 1000 ** 5, 1024 ** 5];
  const amounts: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const unit = units[int(units.length)];
    const mantissa = int(100000) + 1;
    const bytes = mantissa * unit;
    amounts.push(Number.isSafeInteger(bytes) ? bytes : mantissa);
  }
  // Plain random integers across the safe range as well.
  for (let i = 0; i < 1000; i++) amounts.push(int(2 ** 52));
  // Amounts near suffix boundaries.
  for (const unit of units) amounts.push(unit - 1, unit, unit + 1, 3 * unit);

  it.each<ByteFormat>(['binary', 'decimal'])(
    'round-trips every %s amount through toString and parse to the same bytes and the same string',
    (format) => {
      const failures: string[] = [];
      for (const bytes of amounts) {
        const text = Bytes.of(bytes, format).toString();
        const again = Bytes.parse(text);
        if (again.bytes !== bytes || again.toString() !== text) {
          failures.push(`${format} ${bytes}: printed ${text}, read back as ${again.bytes} printed ${again.toString()}`);
        }
      }
      expect(failures.slice(0, 10)).toEqual([]);
    },
  );

  it('prints a parsed quantity in a form that parses to itself (idempotent canonical form)', () => {
    const suffixes = ['', 'k', 'M', 'G', 'T', 'Ki', 'Mi', 'Gi', 'Ti'];
    const failures: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const suffix = suffixes[int(suffixes.length)];
      // Tebibytes above 8191 would not be a safe integer number of bytes.
      const input = `${int(suffix.startsWith('T') ? 8000 : 1_000_000)}${suffix}`;
      const once = Bytes.parse(input);
      const twice = Bytes.parse(once.toString());
      if (twice.bytes !== once.bytes || twice.toString() !== once.toString()) {
        failures.push(`${input}: ${once} then ${twice}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('round-trips every Cpu amount the same way', () => {
    const failures: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const millicores = i < 1000 ? i : int(10_000_000);
      const text = Cpu.millis(millicores).toString();
      const again = Cpu.parse(text);
      if (again.millicores !== millicores || again.toString() !== text) failures.push(`${millicores}: ${text} then ${again}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('Duration', () => {
  it.each([
    ['90s', '1m30s', 90],
    ['72h', '72h', 72 * 3600],
    ['500ms', '500ms', 0.5],
    ['1.5s', '1s500ms', 1.5],
    ['1m30s', '1m30s', 90],
    ['60s', '1m', 60],
    ['1h30m', '1h30m', 5400],
    ['0s', '0s', 0],
    ['1500us', '1ms500us', 0.0015],
    ['2h0m5s', '2h5s', 7205],
  ])('parses %j to the canonical form %j (%p seconds)', (input, canonical, seconds) => {
    const d = Duration.parse(input);
    expect(d.toString()).toBe(canonical);
    expect(d.seconds).toBeCloseTo(seconds, 9);
    expect(JSON.stringify({ d })).toBe(`{"d":"${canonical}"}`);
  });

  it('compares equal durations written differently', () => {
    expect(Duration.parse('60s').equals(Duration.parse('1m'))).toBe(true);
    expect(Duration.parse('1s').compare(Duration.parse('999ms'))).toBeGreaterThan(0);
    expect(Duration.seconds(1.5).toString()).toBe('1s500ms');
  });

  it.each(['3 days', '1d', '', '10', '-1s', '1 s', 's', '1S', '1.s', '1w'])('rejects %j', (input) => {
    expect(() => Duration.parse(input)).toThrow(QuantityError);
  });
});
