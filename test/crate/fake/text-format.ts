/**
 * CrateDB's text output for every type (docs/cratedb-wire.md "Types", "Arrays"), including the Java number formats and the unescaped
 * text-array quoting that a client must cope with.
 */
import {
  compareVersions, isJsonElement, type CrateType, type NamedOid, type Numeric, type Period, type RecordValue,
  type TimeTz,
} from './types.js';

/** Java's `Double.toString`: plain for 1e-3 ≤ |x| < 1e7, else `d.dddE±n`; always a fraction digit ("Types"). */
function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  return formatJava(x.toExponential(), Math.abs(x));
}

/** Java's `Float.toString`: the shortest digits that identify the float32, in the Double.toString layout ("Types"). */
function javaFloat(x: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f) || !Number.isFinite(f) || f === 0) return javaDouble(f);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return formatJava(candidate.toExponential(), Math.abs(f));
  }
  return javaDouble(f);
}

function formatJava(exponential: string, abs: number): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exponential);
  if (!m) return exponential;
  const sign = m[1] as string;
  const digits = (m[2] as string) + (m[3] ?? '');
  const exp = Number(m[4]);
  if (abs >= 1e-3 && abs < 1e7) {
    const point = exp + 1;
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return `${sign}${m[2]}.${m[3] ?? '0'}E${exp}`;
}

/** Java's `BigDecimal.toString`: scientific (`1E+3`, `1E-7`) when the scale is negative or the value tiny ("Types"). */
function bigDecimalToString(n: Numeric): string {
  const neg = n.unscaled < 0n;
  const coeff = (neg ? -n.unscaled : n.unscaled).toString();
  const adjusted = -n.scale + (coeff.length - 1);
  let out: string;
  if (n.scale >= 0 && adjusted >= -6) {
    if (n.scale === 0) out = coeff;
    else if (coeff.length > n.scale) out = `${coeff.slice(0, coeff.length - n.scale)}.${coeff.slice(coeff.length - n.scale)}`;
    else out = `0.${'0'.repeat(n.scale - coeff.length)}${coeff}`;
  } else {
    const rest = coeff.length > 1 ? `.${coeff.slice(1)}` : '';
    out = `${coeff[0]}${rest}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }
  return neg ? `-${out}` : out;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC with ` BC` for years ≤ 0 appended by the caller. */
function formatUtc(ms: number): { text: string; bc: boolean } {
  const d = new Date(ms);
  const astro = d.getUTCFullYear();
  const bc = astro <= 0;
  const year = bc ? 1 - astro : astro;
  const text =
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`;
  return { text, bc };
}

/** "Types": timestamptz text is always UTC, always 3 fraction digits, `+00`, and ` BC` for BC dates. */
function formatTimestampTz(ms: number): string {
  const { text, bc } = formatUtc(ms);
  return `${text}+00${bc ? ' BC' : ''}`;
}

/** "Types": timestamp without time zone has no offset — except before 6.3.3, when it also ended in `+00` (#19426). */
function formatTimestamp(ms: number, version: string): string {
  const { text, bc } = formatUtc(ms);
  const suffix = compareVersions(version, '6.3.3') < 0 ? '+00' : '';
  return `${text}${suffix}${bc ? ' BC' : ''}`;
}

/** "Types": date is `YYYY-MM-DD`, no era. */
function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** "Types": `HH:MM:SS[.f…]` then `+hh:mm`/`-hh:mm`, and no offset at all when it is 0 (PG always prints it). */
function formatTimeTz(t: TimeTz): string {
  const totalSeconds = Math.floor(t.micros / 1_000_000);
  const fraction = t.micros % 1_000_000;
  let text = `${pad(Math.floor(totalSeconds / 3600), 2)}:${pad(Math.floor(totalSeconds / 60) % 60, 2)}:${pad(totalSeconds % 60, 2)}`;
  if (fraction !== 0) text += `.${pad(fraction, 6).replace(/0+$/, '')}`;
  if (t.offsetSeconds !== 0) {
    const abs = Math.abs(t.offsetSeconds);
    text += `${t.offsetSeconds < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor(abs / 60) % 60, 2)}`;
  }
  return text;
}

/** "Types": Joda format `[N year(s) ][N mon(s) ][N weeks ][N day(s) ]HH:MM:SS[.mmm]`. */
function formatPeriod(p: Period): string {
  const parts: string[] = [];
  if (p.years !== 0) parts.push(`${p.years} ${Math.abs(p.years) === 1 ? 'year' : 'years'}`);
  if (p.months !== 0) parts.push(`${p.months} ${Math.abs(p.months) === 1 ? 'mon' : 'mons'}`);
  if (p.weeks !== 0) parts.push(`${p.weeks} weeks`);
  if (p.days !== 0) parts.push(`${p.days} ${Math.abs(p.days) === 1 ? 'day' : 'days'}`);
  let time = `${pad(p.hours, 2)}:${pad(p.minutes, 2)}:${pad(p.seconds, 2)}`;
  if (p.millis !== 0) time += `.${pad(p.millis, 3)}`;
  parts.push(time);
  return parts.join(' ');
}

/** JSON text with bigint kept exact and values of CrateDB types in their JSON form. */
export function toJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
}

/** PG `record_out` quoting ("Types" example `(10,"",,foo)`). */
function recordField(text: string | null): string {
  if (text === null) return '';
  if (text === '' || /[",()\\\s]/.test(text)) return `"${text.replace(/(["\\])/g, '$1$1')}"`;
  return text;
}

/** The text form CrateDB sends for `value` of type `t` (never called with null). */
export function formatText(t: CrateType, value: unknown, version: string): string {
  if (t.kind === 'array') {
    // "Types": nested arrays are json (114) — the JSON array text, jagged allowed.
    if (t.element.kind === 'array') return toJson(value);
    return formatArray(t.element, value as unknown[], version);
  }
  switch (t.name) {
    case 'boolean':
      return value ? 't' : 'f';
    case 'real':
      return javaFloat(value as number);
    case 'double':
      return javaDouble(value as number);
    case 'numeric':
      return bigDecimalToString(value as Numeric);
    case 'timestamptz':
      return formatTimestampTz(value as number);
    case 'timestamp':
      return formatTimestamp(value as number, version);
    case 'date':
      return formatDate(value as number);
    case 'timetz':
      return formatTimeTz(value as TimeTz);
    case 'interval':
      return formatPeriod(value as Period);
    case 'object':
    case 'geo_shape':
      return toJson(value);
    case 'geo_point': {
      const [lon, lat] = value as [number, number];
      return `(${javaDouble(lon)},${javaDouble(lat)})`;
    }
    case 'float_vector':
      // "Types": `{"1.0","2.5",…}` with Float.toString elements.
      return `{${(value as number[]).map((v) => `"${javaFloat(v)}"`).join(',')}}`;
    case 'regproc':
    case 'regtype':
      return (value as NamedOid).name;
    case 'oidvector':
      return (value as number[]).join(' ');
    case 'record':
      return `(${(value as RecordValue).fields
        .map((f) => recordField(f.value === null ? null : formatText(f.type, f.value, version)))
        .join(',')})`;
    default:
      return String(value);
  }
}

/**
 * "Arrays": every non-NULL element is double-quoted, NULL is bare, `{}` when empty. Only json elements (199) get `"` and
 * `\` escaped; text elements are NOT escaped, so `['a"b']` comes out as `{"a"b"}`.
 */
function formatArray(element: CrateType, values: unknown[], version: string): string {
  const escape = isJsonElement(element);
  const items = values.map((v) => {
    if (v === null) return 'NULL';
    const text = formatText(element, v, version);
    return `"${escape ? text.replace(/(["\\])/g, '\\$1') : text}"`;
  });
  return `{${items.join(',')}}`;
}
