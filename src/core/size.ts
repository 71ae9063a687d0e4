// Folder sizes as the editor and the CLI show them, in decimal SI units, so both print the same text.

const byteUnits = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Formats a size with decimal units: 48213000 → "48 MB" ("48 МБ" for ru). */
export function formatBytes(bytes: number, locale = 'en'): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < byteUnits.length - 1) {
    value /= 1000;
    unit++;
  }
  const maximumFractionDigits = value < 10 && unit > 0 ? 1 : 0;
  // Intl's short form of the plain unit is "byte" in English; the narrow form is "B".
  const unitDisplay = unit === 0 ? 'narrow' : 'short';
  return new Intl.NumberFormat(locale, { style: 'unit', unit: byteUnits[unit], unitDisplay, maximumFractionDigits }).format(value);
}
