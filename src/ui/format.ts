// Pure text helpers for the tree, the status bar and the chart. This file must not import vscode,
// so the unit tests can load it in plain Node. Locale-dependent parts use Intl with the editor's locale.

export { formatBytes } from '../core/size';

/** Formats a loss or metric value for display: 0.21349 → "0.213", 12.3456 → "12.35", 0.000123 → "0.00012". */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) {
    return String(loss);
  }
  const magnitude = Math.abs(loss);
  if (magnitude >= 100) {
    return loss.toFixed(1);
  }
  if (magnitude >= 10) {
    return loss.toFixed(2);
  }
  if (magnitude >= 0.01 || magnitude === 0) {
    return loss.toFixed(3);
  }
  return loss.toFixed(5);
}

/** Formats how long ago `then` was, relative to `now`: "5 min. ago", "2 hr. ago", "yesterday". */
export function formatAge(then: Date, now: Date, locale = 'en'): string {
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { style: 'short', numeric: 'auto' });
  if (seconds < 60) {
    return format.format(-Math.max(0, seconds), 'second');
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return format.format(-minutes, 'minute');
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return format.format(-hours, 'hour');
  }
  return format.format(-Math.floor(hours / 24), 'day');
}

/** Formats a remaining time as m:ss or h:mm:ss: 72 → "1:12", 3725 → "1:02:05". Unknown or negative → "". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return '';
  }
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}

/** Joins the non-empty parts of a row description or status text with " · ". */
export function joinParts(parts: Array<string | undefined>): string {
  return parts.filter((part): part is string => part !== undefined && part !== '').join(' · ');
}
