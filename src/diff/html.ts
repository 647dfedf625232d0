/**
 * The HTML report: one self-contained file (no scripts or styles fetched from anywhere).
 * Being written in this session; see renderHtml.
 */
import type { DiffReport } from './report';

export function renderHtml(report: DiffReport): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${report.before.label} → ${report.after.label}</title></head><body></body></html>\n`;
}
