// Markdown helpers for experiment reports.

/** A Markdown table; numbers are printed with `digits` significant decimals. */
export function mdTable(header: string[], rows: (string | number | null | undefined)[][], digits = 3): string {
  const cell = (v: string | number | null | undefined): string => {
    if (v === null || v === undefined) return '-';
    if (typeof v === 'number') return Number.isFinite(v) ? fmtFixed(v, digits) : String(v);
    return v.replace(/\|/g, '\\|');
  };
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** A number for a table: `digits` decimals (fewer from 100 up), exponent notation when very large or small. */
export function fmtFixed(v: number, digits = 3): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 10 ** -digits)) return v.toExponential(2);
  return v.toFixed(a >= 100 ? Math.max(digits - 2, 1) : digits);
}

/** "mean ± std" */
export function pm(mean: number, std: number, digits = 3): string {
  return `${fmtFixed(mean, digits)} ± ${fmtFixed(std, digits)}`;
}
