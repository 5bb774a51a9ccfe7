import { describe, expect, it } from 'vitest';
import { readInstallDate, settleOrder, toIsoLocal } from './install-date.ts';

const iso = (field: string, order: 'mdy' | 'dmy' = 'mdy'): string | undefined => {
  const date = readInstallDate(field);
  return date === undefined ? undefined : toIsoLocal(date, order);
};

describe('install dates', () => {
  it.each([
    ['04/10/2023, 10:12:40', 'mdy', '2023-04-10T10:12:40'],
    ['04/10/2023, 10:12:40', 'dmy', '2023-10-04T10:12:40'],
    ['10.04.2023, 10:12:40', 'mdy', '2023-04-10T10:12:40'],
    ['2023/04/10 10:12:40', 'dmy', '2023-04-10T10:12:40'],
    ['2023-04-10 10:12', 'mdy', '2023-04-10T10:12:00'],
    ['4/3/24, 5:32 PM', 'mdy', '2024-04-03T17:32:00'],
    ['4/3/2024, 12:05:00 AM', 'mdy', '2024-04-03T00:05:00'],
    ['4/3/2024, 12:05:00 p.m.', 'mdy', '2024-04-03T12:05:00'],
    ['02/29/2024', 'mdy', '2024-02-29T00:00:00'],
  ] as const)('reads %s (%s) as %s', (field, order, expected) => {
    expect(iso(field, order)).toBe(expected);
  });

  it.each(['02/29/2023', '13/13/2024', '04/31/2024', '04/10/2023, 24:00:00', '04/10/2023, 13:00 PM', '1969-12-31', '04/10/123', 'yesterday', ''])(
    'rejects %s',
    (field) => {
      expect(iso(field)).toBeUndefined();
    },
  );

  it('settles the day/month order over the whole table', () => {
    const dates = (...fields: string[]) => fields.map((field) => readInstallDate(field)!);
    expect(settleOrder(dates('04/10/2023', '04/22/2023'))).toBe('mdy');
    expect(settleOrder(dates('04/10/2023', '22/04/2023'))).toBe('dmy');
    expect(settleOrder(dates('04/10/2023', '01/02/2023'))).toBe('ambiguous');
    expect(settleOrder(dates('13/10/2023', '10/13/2023'))).toBe('conflict');
    expect(settleOrder(dates('2023/10/13', '13.10.2023'))).toBe('ambiguous');
  });
});
