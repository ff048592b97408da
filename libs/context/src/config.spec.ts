// Checks configuration parsing: all problems reported at once, frozen result.
import { z } from 'zod';
import { ConfigError, formatSettings, parseConfig } from './config';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MODE: z.enum(['a', 'b']).default('a'),
});

describe('parseConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = parseConfig(schema, {});
    expect(config).toEqual({ PORT: 3000, MODE: 'a' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable with its value', () => {
    try {
      parseConfig(schema, { PORT: '99999', MODE: 'c' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^PORT: .*\(got "99999"\)$/);
      expect(problems[1]).toMatch(/^MODE: .*\(got "c"\)$/);
    }
  });
});

describe('parseConfig of a secret setting', () => {
  it.each(['REQUEST_STATE_KEY', 'OAUTH_CLIENT_SECRET', 'METRICS_TOKEN'])(
    'names %s but never echoes its value',
    (name) => {
      const secretSchema = z.object({ [name]: z.string().min(40) });
      const problems = (() => {
        try {
          parseConfig(secretSchema, { [name]: 'hunter2-sensitive' });
          return [];
        } catch (error) {
          return (error as ConfigError).problems;
        }
      })();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: `));
      expect(problems[0]).not.toContain('hunter2');
    },
  );
});

describe('formatSettings', () => {
  it('aligns names and defaults', () => {
    expect(
      formatSettings([
        { name: 'A', default: '1', description: 'x' },
        { name: 'LONG', default: '22', description: 'y' },
      ]),
    ).toBe('  A     1   x\n  LONG  22  y');
  });
});
