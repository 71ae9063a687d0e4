import * as assert from 'node:assert/strict';
import { formatAge, formatBytes, formatEta, formatLoss, joinParts } from '../../../src/ui/format';

describe('formatBytes', () => {
  it('uses decimal units', () => {
    assert.equal(formatBytes(48_213_000), '48 MB');
    assert.equal(formatBytes(1_500), '1.5 kB');
    assert.equal(formatBytes(2_300_000_000), '2.3 GB');
  });

  it('keeps small sizes in bytes', () => {
    assert.equal(formatBytes(0), '0B');
    assert.equal(formatBytes(999), '999B');
    assert.equal(formatBytes(-5), '0B');
  });

  it('follows the locale', () => {
    assert.equal(formatBytes(48_213_000, 'ru'), '48 МБ');
    assert.equal(formatBytes(1_500, 'ru'), '1,5 кБ');
  });
});

describe('formatLoss', () => {
  it('rounds to three decimals', () => {
    assert.equal(formatLoss(0.21349), '0.213');
    assert.equal(formatLoss(2.5), '2.500');
  });

  it('keeps small values readable', () => {
    assert.equal(formatLoss(0.000123456), '0.00012');
  });

  it('shortens large values', () => {
    assert.equal(formatLoss(12.3456), '12.35');
    assert.equal(formatLoss(123.456), '123.5');
  });

  it('shows non-finite values', () => {
    assert.equal(formatLoss(Number.NaN), 'NaN');
    assert.equal(formatLoss(Number.POSITIVE_INFINITY), 'Infinity');
  });
});

describe('formatAge', () => {
  const now = new Date('2026-01-10T12:00:00Z');
  const before = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  it('counts seconds, minutes, hours', () => {
    assert.equal(formatAge(before(30), now), '30 sec. ago');
    assert.equal(formatAge(before(5 * 60 + 10), now), '5 min. ago');
    assert.equal(formatAge(before(2 * 3600 + 59), now), '2 hr. ago');
  });

  it('names yesterday and days', () => {
    assert.equal(formatAge(before(26 * 3600), now), 'yesterday');
    assert.equal(formatAge(before(3 * 86400), now), '3 days ago');
  });

  it('treats a future time as now', () => {
    assert.equal(formatAge(new Date(now.getTime() + 5000), now), 'now');
  });

  it('follows the locale', () => {
    assert.equal(formatAge(before(5 * 60), now, 'ru'), '5 мин. назад');
  });
});

describe('formatEta', () => {
  it('formats minutes and seconds', () => {
    assert.equal(formatEta(72), '1:12');
    assert.equal(formatEta(5), '0:05');
  });

  it('adds hours when needed', () => {
    assert.equal(formatEta(3725), '1:02:05');
  });

  it('rounds fractional seconds', () => {
    assert.equal(formatEta(59.6), '1:00');
  });

  it('returns empty for unknown values', () => {
    assert.equal(formatEta(Number.NaN), '');
    assert.equal(formatEta(-1), '');
    assert.equal(formatEta(Number.POSITIVE_INFINITY), '');
  });
});

describe('joinParts', () => {
  it('joins with a middle dot', () => {
    assert.equal(joinParts(['loss 0.213', '48 MB', '5 min. ago']), 'loss 0.213 · 48 MB · 5 min. ago');
  });

  it('skips missing parts', () => {
    assert.equal(joinParts([undefined, '48 MB', '', '5 min. ago']), '48 MB · 5 min. ago');
    assert.equal(joinParts([]), '');
  });
});
