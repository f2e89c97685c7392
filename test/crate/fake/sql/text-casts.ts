/**
 * SQL casts from text that accept more than a text parameter does (params.ts parses those strictly):
 * WKT points for geo_point and geo_shape, and PostgreSQL-style intervals (`'1 day 3 hours'::interval`). Seen in
 * test/fixtures/cratedb-6.4.3/types_text.json.
 */
import type { CrateType, Period } from '../types.js';

const WKT_POINT = /^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$/i;

const UNITS: Record<string, keyof Period> = {
  year: 'years', years: 'years', mon: 'months', mons: 'months', month: 'months', months: 'months',
  week: 'weeks', weeks: 'weeks', day: 'days', days: 'days', hour: 'hours', hours: 'hours',
  minute: 'minutes', minutes: 'minutes', min: 'minutes', mins: 'minutes', second: 'seconds', seconds: 'seconds',
  sec: 'seconds', secs: 'seconds',
};

/** `N unit …` and `HH:MM:SS`, normalised the way SQL-made intervals are: weeks become days. */
function parseInterval(text: string): Period | undefined {
  const period = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, millis: 0 };
  const tokens = text.trim().split(/\s+/);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const clock = /^(\d+):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(token);
    if (clock) {
      period.hours += Number(clock[1]);
      period.minutes += Number(clock[2]);
      period.seconds += Number(clock[3] ?? 0);
      period.millis += Number((clock[4] ?? '').padEnd(3, '0'));
      continue;
    }
    const unit = UNITS[(tokens[i + 1] ?? '').toLowerCase()];
    if (!/^-?\d+$/.test(token) || unit === undefined) return undefined;
    period[unit] += Number(token);
    i++;
  }
  return { ...period, days: period.days + period.weeks * 7, weeks: 0 };
}

/** The value of `text::to` where the SQL cast is more lenient than parameter parsing; undefined otherwise. */
export function castFromText(to: CrateType, text: string): unknown {
  if (to.kind !== 'scalar') return undefined;
  const point = WKT_POINT.exec(text);
  if (point && to.name === 'geo_point') return [Number(point[1]), Number(point[2])];
  // The GeoJSON comes back with its keys sorted: {"coordinates":[…],"type":"Point"}.
  if (point && to.name === 'geo_shape') return { coordinates: [Number(point[1]), Number(point[2])], type: 'Point' };
  if (to.name === 'interval') return parseInterval(text);
  return undefined;
}
