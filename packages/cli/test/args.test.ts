// A string option's value may start with `-`: random client and grant ids are base64url, so one
// in 64 does. parseArgs alone refuses `--client -abc` as ambiguous.
import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../src/args.js';

const options = {
  client: { type: 'string' },
  user: { type: 'string', short: 'u' },
  json: { type: 'boolean' },
} as const;
const none = { min: 0, max: 1, names: '[name]' };

describe('parseCommand: values that start with a dash', () => {
  it('takes the next argument as the value of a string option, long or short', () => {
    expect(parseCommand(['--client', '-Ab_c9', '--json'], options, none).values).toEqual({
      client: '-Ab_c9',
      json: true,
    });
    expect(parseCommand(['-u', '--x-y'], options, none).values).toEqual({ user: '--x-y' });
    expect(parseCommand(['--client=-Ab'], options, none).values).toEqual({ client: '-Ab' });
  });

  it('an option where the value should be is still a missing value; nothing after -- moves', () => {
    for (const args of [
      ['--client', '--json'],
      ['--client', '-h'],
      ['--client', '--user=x'],
    ])
      expect(() => parseCommand(args, options, none), args.join(' ')).toThrow(UsageError);
    expect(() => parseCommand(['--client', '--json'], options, none)).toThrow(
      /--client has a missing or invalid value/,
    );
    expect(parseCommand(['--json', '--', '-x'], options, none).positionals).toEqual(['-x']);
  });
});
