/**
 * A job's schedule in words, for the console: the common cron shapes and rate() and at() read out; any
 * other cron expression is shown as written.
 */
const DAYS: Record<string, string> = {
  '1': 'Sunday',
  '2': 'Monday',
  '3': 'Tuesday',
  '4': 'Wednesday',
  '5': 'Thursday',
  '6': 'Friday',
  '7': 'Saturday',
  SUN: 'Sunday',
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
};

const isNumber = (field: string) => /^\d{1,2}$/.test(field);
const pad = (value: string) => value.padStart(2, '0');

const daysPart = (dayOfMonth: string, month: string, dayOfWeek: string): string | undefined => {
  if (month !== '*') return undefined;
  const anyDom = dayOfMonth === '*' || dayOfMonth === '?';
  const anyDow = dayOfWeek === '*' || dayOfWeek === '?';
  if (anyDom && anyDow) return 'every day';
  if (anyDom && ['MON-FRI', '2-6'].includes(dayOfWeek.toUpperCase())) return 'on weekdays';
  if (anyDom && DAYS[dayOfWeek.toUpperCase()]) return `every ${DAYS[dayOfWeek.toUpperCase()]}`;
  if (anyDow && isNumber(dayOfMonth)) return `on day ${dayOfMonth} of every month`;
  return undefined;
};

export const scheduleInWords = (expression: string, timezone: string): string => {
  const zone = timezone === 'UTC' ? 'UTC' : timezone;
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (rate) return rate[1] === '1' ? `every ${rate[2]}` : `every ${rate[1]} ${rate[2]}`;
  const at = /^at\((\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}\)$/.exec(expression);
  if (at) return `once, on ${at[1]} at ${at[2]} (${zone})`;
  const cron = /^cron\((.*)\)$/.exec(expression);
  const fields = cron?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) return expression;
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (year !== '*') return expression;
  const days = daysPart(dayOfMonth, month, dayOfWeek);
  if (!days) return expression;
  if (minute === '*' && hour === '*' && days === 'every day') return 'every minute';
  if (isNumber(minute) && hour === '*' && days === 'every day') return `every hour at minute ${minute}`;
  if (isNumber(minute) && isNumber(hour)) return `${days} at ${pad(hour)}:${pad(minute)} (${zone})`;
  return expression;
};
